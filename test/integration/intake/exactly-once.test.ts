// Exactly-once in effect: a crash between commit and move, or before commit, an exact copy of a message,
// a poison message. Real Dovecot (a fresh mailbox per test), on PostgreSQL and on PGlite.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../helpers/context.js';
import type { Classification } from '../../../src/bounce/types.js';
import { classify } from '../../../src/bounce/classify.js';
import { openDatabase, type Db } from '../../../src/db/index.js';
import { migrate } from '../../../src/db/migrate.js';
import { PassAborted } from '../../../src/intake/errors.js';
import {
  addDelivery,
  addMember,
  appendAll,
  createList,
  folderCounts,
  mailboxConfig,
  makeDsn,
  memberScores,
  pollerFor,
  tracking,
  verpFor,
  withMailboxContext,
} from './fixtures.js';

class SimulatedCrash extends PassAborted {}

async function countEvents(db: Db): Promise<number> {
  const r = await db.selectFrom('bounce_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

describe.each(ENGINES)('on %s', (engine) => {
  // A fresh Dovecot mailbox (with its own bounce domain) and database per test.
  const env = withMailboxContext(engine);

  const eventCount = () => countEvents(env.ctx.db);

  describe('IMAP intake, exactly once', () => {
    it('a crash between commit and move: on restart the message is moved and the score is unchanged', async () => {
      const list = await createList(env.ctx.db, 'dev');
      const memberId = await addMember(env.ctx.db, list.id, 'gone@example.org');
      const deliveryId = await addDelivery(env.ctx.db, list.id, memberId, 'gone@example.org');
      await appendAll(env.mb, [
        makeDsn({ to: verpFor(env.ctx, 'dev', 'gone@example.org', memberId), recipient: 'gone@example.org', trackingHeader: tracking(env.ctx, deliveryId) }),
      ]);

      const crashing = pollerFor(env.ctx, env.mb, {
        faults: {
          afterCommit: () => {
            throw new SimulatedCrash('killed after commit');
          },
        },
      });
      await expect(crashing.runOnce()).rejects.toBeInstanceOf(SimulatedCrash);
      await crashing.disconnect();

      expect(await memberScores(env.ctx.db, list.id)).toEqual({ 'gone@example.org': 1 });
      expect(await eventCount()).toBe(1);
      expect(await folderCounts(env.mb)).toMatchObject({ INBOX: 1, Processed: 0 });
      const stored = await env.ctx.db.selectFrom('inbound_messages').selectAll().executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ state: 'processed', kind: 'bounce', target_folder: 'Processed', moved_at: null });
      const delivery = await env.ctx.db.selectFrom('deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirstOrThrow();
      expect(delivery).toMatchObject({ status: 'bounced', bounce_category: 'hard' });

      // Restart, a day later even: the second pass changes nothing but the message's folder.
      env.ctx.clock.advanceDays(1);
      const restarted = pollerFor(env.ctx, env.mb);
      const pass = await restarted.runOnce();
      await restarted.disconnect();
      expect(pass).toMatchObject({ seen: 1, handled: 0, duplicates: 1, moved: 1 });
      expect(await memberScores(env.ctx.db, list.id)).toEqual({ 'gone@example.org': 1 });
      expect(await eventCount()).toBe(1);
      expect(await folderCounts(env.mb)).toMatchObject({ INBOX: 0, Processed: 1 });
      const after = await env.ctx.db.selectFrom('inbound_messages').select(['moved_at']).executeTakeFirstOrThrow();
      expect(after.moved_at).not.toBeNull();
    });

    it('a crash before commit leaves nothing behind; the next pass handles the message once', async () => {
      const list = await createList(env.ctx.db, 'dev');
      const memberId = await addMember(env.ctx.db, list.id, 'gone@example.org');
      await appendAll(env.mb, [makeDsn({ to: verpFor(env.ctx, 'dev', 'gone@example.org', memberId), recipient: 'gone@example.org' })]);

      const crashing = pollerFor(env.ctx, env.mb, {
        pipeline: {
          beforeCommit: async () => {
            throw new SimulatedCrash('killed before commit');
          },
        },
      });
      await expect(crashing.runOnce()).rejects.toThrow();
      await crashing.disconnect();
      expect(await eventCount()).toBe(0);
      expect(await env.ctx.db.selectFrom('inbound_messages').selectAll().execute()).toHaveLength(0);
      expect(await folderCounts(env.mb)).toMatchObject({ INBOX: 1 });

      const poller = pollerFor(env.ctx, env.mb);
      expect(await poller.runOnce()).toMatchObject({ seen: 1, handled: 1, moved: 1 });
      await poller.disconnect();
      expect(await memberScores(env.ctx.db, list.id)).toEqual({ 'gone@example.org': 1 });
      expect(await eventCount()).toBe(1);
    });

    it('an exact copy of a handled message (another UID) changes nothing and is filed like the first', async () => {
      const list = await createList(env.ctx.db, 'dev');
      const memberId = await addMember(env.ctx.db, list.id, 'gone@example.org');
      const dsn = makeDsn({ to: verpFor(env.ctx, 'dev', 'gone@example.org', memberId), recipient: 'gone@example.org' });
      await appendAll(env.mb, [dsn]);
      const poller = pollerFor(env.ctx, env.mb);
      await poller.runOnce();
      env.ctx.clock.advanceDays(1); // a new day would score again if it were counted again
      await appendAll(env.mb, [dsn, dsn]);
      expect(await poller.runOnce()).toMatchObject({ seen: 2, handled: 0, duplicates: 2, moved: 2 });
      await poller.disconnect();
      expect(await memberScores(env.ctx.db, list.id)).toEqual({ 'gone@example.org': 1 });
      expect(await eventCount()).toBe(1);
      expect(await folderCounts(env.mb)).toMatchObject({ INBOX: 0, Processed: 3 });
    });

    it('a message that breaks the pipeline is kept as failed, filed to Quarantine, and does not block the others', async () => {
      const list = await createList(env.ctx.db, 'dev');
      const ids = await Promise.all(['a@example.org', 'b@example.org', 'c@example.org'].map((a) => addMember(env.ctx.db, list.id, a)));
      const msgs = ['a@example.org', 'b@example.org', 'c@example.org'].map((a, i) =>
        makeDsn({ to: verpFor(env.ctx, 'dev', a, ids[i]), recipient: a, unique: `poison-test-${i}` }),
      );
      await appendAll(env.mb, msgs);
      const poisonMarker = 'poison-test-1';
      const poller = pollerFor(env.ctx, env.mb, {
        pipeline: {
          classify: (raw): Classification => {
            if (Buffer.from(raw).toString('latin1').includes(poisonMarker)) throw new Error('classifier exploded');
            return classify(raw);
          },
        },
      });
      const pass = await poller.runOnce();
      await poller.disconnect();
      expect(pass).toMatchObject({ seen: 3, handled: 3, failed: 1, moved: 3 });
      expect(await memberScores(env.ctx.db, list.id)).toEqual({ 'a@example.org': 1, 'b@example.org': 0, 'c@example.org': 1 });
      const failed = await env.ctx.db.selectFrom('inbound_messages').selectAll().where('state', '=', 'failed').execute();
      expect(failed).toHaveLength(1);
      expect(failed[0].error).toContain('classifier exploded');
      expect(Buffer.from(failed[0].raw).toString('latin1')).toContain(poisonMarker);
      expect(await folderCounts(env.mb)).toMatchObject({ INBOX: 0, Processed: 2, Unprocessed: 0, Quarantine: 1 });

      // Moved back to the inbox once the classifier is fixed, it is handled for real, once.
      const client = await (await import('../../helpers/mail.js')).connectImap(env.mb.account);
      await client.mailboxOpen('Quarantine');
      await client.messageMove('1:*', 'INBOX');
      await client.logout();
      const fixed = pollerFor(env.ctx, env.mb);
      expect(await fixed.runOnce()).toMatchObject({ seen: 1, handled: 1, failed: 0 });
      await fixed.disconnect();
      expect(await memberScores(env.ctx.db, list.id)).toEqual({ 'a@example.org': 1, 'b@example.org': 1, 'c@example.org': 1 });
      expect(await env.ctx.db.selectFrom('inbound_messages').selectAll().where('state', '=', 'failed').execute()).toHaveLength(0);
    });

    it('NUL bytes and lone surrogates in a bounce are stored cleaned, not turned into a failure', async () => {
      const list = await createList(env.ctx.db, 'dev');
      const a = await addMember(env.ctx.db, list.id, 'a@example.org');
      const b = await addMember(env.ctx.db, list.id, 'b@example.org');
      await appendAll(env.mb, [
        makeDsn({ to: verpFor(env.ctx, 'dev', 'a@example.org', a), recipient: 'a@example.org', unique: 'first' }),
        // NUL bytes and a lone surrogate-ish sequence in the diagnostic: text/jsonb would refuse them raw.
        makeDsn({ to: verpFor(env.ctx, 'dev', 'b@example.org', b), recipient: 'b@example.org', diagnostic: '550 5.1.1 bad\u0000user \udc80' }),
      ]);
      const poller = pollerFor(env.ctx, env.mb);
      const pass = await poller.runOnce();
      await poller.disconnect();
      expect(pass).toMatchObject({ seen: 2, handled: 2, failed: 0 });
      expect(await memberScores(env.ctx.db, list.id)).toEqual({ 'a@example.org': 1, 'b@example.org': 1 });
    });
  });
});

// A poller in another process, SIGKILLed between commit and move, then a new one: on PostgreSQL, sharing the
// database; on PGlite, as `npm start` runs it, on a data folder that the next process takes over.
describe('a poller process killed on PostgreSQL', () => {
  const env = withMailboxContext('postgres');

it('a poller process SIGKILLed between commit and move: the next process moves the message, the score is unchanged', async () => {
    const list = await createList(env.ctx.db, 'dev');
    const memberId = await addMember(env.ctx.db, list.id, 'gone@example.org');
    await appendAll(env.mb, [makeDsn({ to: verpFor(env.ctx, 'dev', 'gone@example.org', memberId), recipient: 'gone@example.org' })]);
    const childEnv = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      BASE_URL: 'http://localhost:3000', // vitest's own BASE_URL ("/") is not one
      DATABASE_URL: env.ctx.database.url as string,
      SECRET_KEY: env.ctx.config.secretKey,
      BOUNCE_DOMAIN: env.ctx.config.bounceDomain,
      DATA_DIR: env.ctx.config.dataDir,
      IMAP_MAILBOXES: JSON.stringify([{ ...mailboxConfig(env.mb), secure: false }]),
    };
    const child = (killAt: string | null) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', 'test/integration/intake/poller-child.ts'], {
          env: { ...childEnv, KILL_AT: killAt ?? '' },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let stdout = '';
        p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        p.on('exit', (code, signal) => resolve({ code, signal, stdout }));
      });

    const killed = await child('after-commit');
    expect(killed.signal).toBe('SIGKILL');
    expect(await memberScores(env.ctx.db, list.id)).toEqual({ 'gone@example.org': 1 });
    expect(await folderCounts(env.mb)).toMatchObject({ INBOX: 1, Processed: 0 });

    const restarted = await child(null);
    expect(restarted.code).toBe(0);
    expect(JSON.parse(restarted.stdout.trim().split('\n').at(-1) as string)).toMatchObject({ seen: 1, handled: 0, duplicates: 1, moved: 1 });
    expect(await memberScores(env.ctx.db, list.id)).toEqual({ 'gone@example.org': 1 });
    expect(await countEvents(env.ctx.db)).toBe(1);
    expect(await folderCounts(env.mb)).toMatchObject({ INBOX: 0, Processed: 1 });
  }, 180_000);
});


describe('a poller process killed on a PGlite data folder', () => {
  const mbEnv = withMailboxContext('pglite');

  it('a poller process SIGKILLed between commit and move: the next process moves the message, the score is unchanged', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lk-poller-crash-'));
    const folder = async <T>(f: (db: Db) => Promise<T>): Promise<T> => {
      const handle = await openDatabase({ databaseUrl: null, dataDir: path.join(dataDir, 'pglite') });
      try {
        await migrate(handle.db);
        return await f(handle.db);
      } finally {
        await handle.close();
      }
    };
    const { listId, memberId } = await folder(async (db) => {
      const list = await createList(db, 'dev');
      return { listId: list.id, memberId: await addMember(db, list.id, 'gone@example.org') };
    });
    await appendAll(mbEnv.mb, [makeDsn({ to: verpFor(mbEnv.ctx, 'dev', 'gone@example.org', memberId), recipient: 'gone@example.org' })]);
    const child = (killAt: string | null) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', 'test/integration/intake/poller-child.ts'], {
          env: {
            PATH: process.env.PATH ?? '',
            NODE_ENV: 'test',
            LOG_LEVEL: 'silent',
            BASE_URL: 'http://localhost:3000',
            SECRET_KEY: mbEnv.ctx.config.secretKey,
            BOUNCE_DOMAIN: mbEnv.ctx.config.bounceDomain,
            DATA_DIR: dataDir,
            IMAP_MAILBOXES: JSON.stringify([{ ...mailboxConfig(mbEnv.mb), secure: false }]),
            KILL_AT: killAt ?? '',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let stdout = '';
        p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        p.on('exit', (code, signal) => resolve({ code, signal, stdout }));
      });

    const killed = await child('after-commit');
    expect(killed.signal).toBe('SIGKILL');
    expect(await folder((db) => memberScores(db, listId))).toEqual({ 'gone@example.org': 1 });
    expect(await folderCounts(mbEnv.mb)).toMatchObject({ INBOX: 1, Processed: 0 });

    // The dead process's lock on the folder is taken over by the next one.
    const restarted = await child(null);
    expect(restarted.code).toBe(0);
    expect(JSON.parse(restarted.stdout.trim().split('\n').at(-1) as string)).toMatchObject({ seen: 1, handled: 0, duplicates: 1, moved: 1 });
    expect(await folder((db) => memberScores(db, listId))).toEqual({ 'gone@example.org': 1 });
    expect(await folderCounts(mbEnv.mb)).toMatchObject({ INBOX: 0, Processed: 1 });
  }, 180_000);
});
