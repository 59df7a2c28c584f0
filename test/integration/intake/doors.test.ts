// The other doors into the same pipeline: POST /api/inbound/raw (token) and `npm run ingest` (CLI), both
// idempotent by content hash; and what the admin UI reads (unrecognised list, raw message of an event, status).
// On both engines.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { inboundCounts, listInbound, mailboxStatuses, rawMessage, rawMessageForEvent } from '../../../src/intake/queries.js';
import { openDatabase, type Db } from '../../../src/db/index.js';
import { migrate } from '../../../src/db/migrate.js';
import { ENGINES, createTestContext, type TestContext } from '../../helpers/context.js';
import { addMember, createList, makeDsn, memberScores, verpFor } from './fixtures.js';

const TOKEN = 'inbound-token-0123456789abcdef-0123456789';

describe.each(ENGINES)('on %s', (engine) => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext({ engine, env: { INBOUND_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await ctx.close();
  });

  describe('POST /api/inbound/raw', () => {
    it('needs the bearer token, handles a bounce once, and answers a repeat as a duplicate', async () => {
      const list = await createList(ctx.db, 'web');
      const id = await addMember(ctx.db, list.id, 'gone@example.org');
      const dsn = makeDsn({ to: verpFor(ctx, 'web', 'gone@example.org', id), recipient: 'gone@example.org' });
      const app = await buildApp(ctx);
      try {
        const post = (auth: string | null, body: Buffer = dsn) =>
          app.inject({
            method: 'POST',
            url: '/api/inbound/raw',
            headers: { 'content-type': 'message/rfc822', ...(auth ? { authorization: auth } : {}) },
            payload: body,
          });
        expect((await post(null)).statusCode).toBe(401);
        expect((await post('Bearer wrong-token-wrong-token')).statusCode).toBe(401);
        const first = await post(`Bearer ${TOKEN}`);
        expect(first.statusCode).toBe(200);
        expect(first.json()).toMatchObject({ state: 'processed', folder: 'Processed', duplicate: false, kind: 'bounce', events: 1 });
        const again = await post(`Bearer ${TOKEN}`);
        expect(again.json()).toMatchObject({ state: 'processed', duplicate: true, events: 0, id: first.json().id });
        expect(await memberScores(ctx.db, list.id)).toEqual({ 'gone@example.org': 1 });
        expect((await post(`Bearer ${TOKEN}`, Buffer.alloc(0))).statusCode).toBe(400);

        const stored = await ctx.db.selectFrom('inbound_messages').select(['source', 'mailbox', 'uid']).where('id', '=', first.json().id).executeTakeFirstOrThrow();
        expect(stored).toEqual({ source: 'http', mailbox: null, uid: null });
      } finally {
        await app.close();
      }
    });

    it('is not there at all (404) when no token is configured', async () => {
      const other = await createTestContext({ engine });
      const app = await buildApp(other);
      try {
        const res = await app.inject({ method: 'POST', url: '/api/inbound/raw', headers: { authorization: `Bearer ${TOKEN}` }, payload: 'x' });
        expect(res.statusCode).toBe(404);
      } finally {
        await app.close();
        await other.close();
      }
    });
  });

  describe('npm run ingest', () => {
    // The CLI is its own process: on PostgreSQL it shares the test's database; on PGlite it opens a data folder,
    // as after `npm start` has stopped (beside a running server it goes through the server: npm-start.test.ts).
    const folder = mkdtempSync(path.join(os.tmpdir(), 'lk-ingest-db-'));
    const useDb = async <T>(f: (db: Db) => Promise<T>): Promise<T> => {
      if (engine === 'postgres') return f(ctx.db);
      const handle = await openDatabase({ databaseUrl: null, dataDir: path.join(folder, 'pglite') });
      try {
        await migrate(handle.db);
        return await f(handle.db);
      } finally {
        await handle.close();
      }
    };

    it('feeds files through the pipeline, idempotently, and says what became of each', async () => {
      const { listId, id } = await useDb(async (db) => {
        const list = await createList(db, 'cli');
        return { listId: list.id, id: await addMember(db, list.id, 'old@example.org') };
      });
      const dir = mkdtempSync(path.join(os.tmpdir(), 'lk-ingest-'));
      const bounce = path.join(dir, 'bounce.eml');
      const human = path.join(dir, 'human.eml');
      writeFileSync(bounce, makeDsn({ to: verpFor(ctx, 'cli', 'old@example.org', id), recipient: 'old@example.org' }));
      writeFileSync(human, 'From: a@example.net\r\nTo: cli-bounces@lists.example.test\r\nSubject: hi\r\n\r\nHello there.\r\n');
      const env = {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        ...(engine === 'postgres' ? { DATABASE_URL: ctx.database.url as string, DATA_DIR: dir } : { DATA_DIR: folder }),
        SECRET_KEY: ctx.config.secretKey,
        BOUNCE_DOMAIN: ctx.config.bounceDomain,
        BASE_URL: 'http://localhost:3000', // vitest's own BASE_URL ("/") is not one
      };
      const run = (args: string[]) =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/ingest.ts', ...args], { env, cwd: process.cwd() });
      const first = await run([bounce, human]);
      expect(first.stdout).toMatch(/bounce\.eml: processed → Processed .*bounce, 1 event\(s\), 1 scored/);
      expect(first.stdout).toMatch(/human\.eml: unprocessed → Unprocessed/);
      const second = await run([bounce]);
      expect(second.stdout).toMatch(/bounce\.eml: processed → Processed .*already handled/);
      expect(await useDb((db) => memberScores(db, listId))).toEqual({ 'old@example.org': 1 });
      await expect(run([path.join(dir, 'missing.eml')])).rejects.toMatchObject({ code: 1 });
    }, 180_000);
  });

  describe('what the admin UI reads', () => {
    it('lists unrecognised bounces with the addresses found, serves the raw message of an event, reports mailbox status', async () => {
      const app = await buildApp(ctx);
      try {
        const stranger = makeDsn({ to: 'nobody-bounces@elsewhere.example', recipient: 'stranger@example.com' });
        const res = await app.inject({
          method: 'POST',
          url: '/api/inbound/raw',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
          payload: stranger,
        });
        expect(res.json()).toMatchObject({ state: 'unrecognised', folder: 'Unrecognised', events: 0 });
        const unrecognised = await listInbound(ctx.db, { state: 'unrecognised' });
        expect(unrecognised[0]).toMatchObject({ id: res.json().id, kind: 'bounce', addresses: ['stranger@example.com'] });
        expect((await rawMessage(ctx.db, res.json().id))?.raw.equals(stranger)).toBe(true);
        expect((await inboundCounts(ctx.db)).unrecognised).toBeGreaterThanOrEqual(1);

        const event = await ctx.db.selectFrom('bounce_events').select(['id', 'inbound_message_id']).orderBy('id').executeTakeFirstOrThrow();
        const raw = await rawMessageForEvent(ctx.db, Number(event.id));
        expect(raw).toMatchObject({ inboundId: Number(event.inbound_message_id), filename: `bounce-${event.inbound_message_id}.eml` });
        expect(raw?.raw.toString('latin1')).toContain('multipart/report');

        const statuses = await mailboxStatuses(
          ctx.db,
          { imapPollSeconds: 30, imapMailboxes: [{ name: 'main', host: 'imap.example', port: 993, secure: true, user: 'b', password: 'p', folder: 'INBOX' }] },
          ctx.clock.now(),
        );
        expect(statuses).toEqual([expect.objectContaining({ name: 'main', configured: true, lastSuccessAt: null, unhealthy: true })]);
      } finally {
        await app.close();
      }
    });
  });
});
