// A sender writing to the file outbox is killed (SIGKILL) mid-post, then a sender starts again on the same data
// folder: at once (no 10-minute lease) every row the dead one left 'sending' is settled from the outbox — its
// .eml exists: sent; none: queued again and sent now — its temporaries are swept, and in the end every member
// has exactly one .eml. On PostgreSQL and on PGlite (the child owns the PGlite folder; the test reopens it).
import { fork } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../../src/audit.js';
import { openDatabase, type Db } from '../../../src/db/index.js';
import { migrate } from '../../../src/db/migrate.js';
import { queueNotice } from '../../../src/notices/index.js';
import { createPost, postProgress, startPost } from '../../../src/sending/posts.js';
import { outboxDir } from '../../../src/sending/transport.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, testConfig, type TestContext } from '../../helpers/context.js';
import { createListWithMembers } from './fixtures.js';

const MEMBERS = 200;
const NOTICES = 20;
/** Inside a batch, never on a boundary (batches of 40 deliveries and 20 notices). */
const HANG_AFTER = 57;
const here = path.dirname(fileURLToPath(import.meta.url));

interface Setup {
  db: Db;
  postId: number;
  addresses: string[];
}

async function setUp(db: Db, clock: TestContext['clock']): Promise<Setup> {
  const addresses = Array.from({ length: MEMBERS }, (_, i) => `m${i}@ok.example.test`);
  const { listId, members } = await createListWithMembers(db, 'outboxcrash', addresses);
  const post = await createPost(db, SYSTEM, { listId, subject: 'Exactly once', text: 'Hi {{address}}', html: null }, clock);
  if (!post.ok) throw new Error(post.error);
  await startPost(db, SYSTEM, post.postId, clock);
  for (let i = 0; i < NOTICES; i++) {
    await queueNotice(db, { type: 'welcome', listId, memberId: members.get(addresses[i])!, to: addresses[i], now: clock.now() });
  }
  return { db, postId: post.postId, addresses };
}

function outboxFiles(dataDir: string): { eml: string[]; temps: string[] } {
  const names = readdirSync(outboxDir(dataDir));
  return { eml: names.filter((n) => n.endsWith('.eml') && !n.startsWith('.')), temps: names.filter((n) => n.startsWith('.')) };
}

/** Runs the child sender until it has written `files` messages and hangs mid-batch, then SIGKILLs it. Returns its pid. */
async function killMidPost(env: Record<string, string>, files: number): Promise<number> {
  const child = fork(path.join(here, 'outbox-crash-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent', HANG_AFTER: String(files) },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for the child to write')), 60_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', () => reject(new Error('the sender child ended on its own')));
  });
  // Give the sends called before the hang time to finish their files (the other lane runs into the hang too).
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGKILL');
  await exited;
  return child.pid!;
}

async function restartAndCount(ctx: Omit<TestContext, 'db'> & { db: Db }, s: Setup, deadPid: number): Promise<void> {
  const dataDir = ctx.config.dataDir;
  const dir = outboxDir(dataDir);
  const atCrash = await postProgress(s.db, s.postId);
  expect(atCrash!.counts.queued).toBeGreaterThan(0); // really mid-post
  const inFlight = [
    ...(await s.db.selectFrom('deliveries').select('id').where('status', '=', 'sending').execute()).map((r) => `d${r.id}`),
    ...(await s.db.selectFrom('notices').select('id').where('status', '=', 'sending').execute()).map((r) => `n${r.id}`),
  ];
  const written = new Set(outboxFiles(dataDir).eml.map((n) => /-([dn]\d+)-[0-9a-f]{6}\.eml$/.exec(n)?.[1]));
  // Both cases are there: in-flight rows whose .eml was written (to be marked sent) and rows without (to be sent now).
  expect(inFlight.some((tag) => written.has(tag))).toBe(true);
  expect(inFlight.some((tag) => !written.has(tag))).toBe(true);
  // What a kill during a write leaves (the dead child's half-written temporary, and one from an older version),
  // and a temporary of a writer that is alive (pid 1), which must be left alone.
  writeFileSync(path.join(dir, `.tmp-${deadPid}-0123456789ab-2026-01-01T00-00-00-000Z-d999999-abcdef.eml`), '');
  writeFileSync(path.join(dir, '.2026-01-01T00-00-00-000Z-d999998-abcdef.eml.tmp'), '');
  const liveTemp = `.tmp-1-0123456789ab-2026-01-01T00-00-00-000Z-d999997-abcdef.eml`;
  writeFileSync(path.join(dir, liveTemp), '');

  // No clock change: the claims are seconds old, far inside the 10-minute lease.
  const sender = new Sender({ ...ctx, db: s.db }, { lanes: 2, batchSize: 50 });
  try {
    await sender.drain();
  } finally {
    await sender.stop();
  }

  const after = await postProgress(s.db, s.postId);
  expect(after!.counts).toMatchObject({ queued: 0, sending: 0, deferred: 0, failed: 0, sent: MEMBERS });
  expect(after!.status).toBe('sent');
  const notices = await s.db.selectFrom('notices').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  expect(notices.map((n) => [n.status, Number(n.n)])).toEqual([['sent', NOTICES]]);

  // Every member exactly one copy of the post (and of the welcome notice for the first NOTICES).
  const { eml, temps } = outboxFiles(dataDir);
  expect(temps).toEqual([liveTemp]);
  const posts = new Map<string, number>();
  const welcomes = new Map<string, number>();
  for (const name of eml) {
    const text = readFileSync(path.join(dir, name), 'latin1');
    const to = /^Delivered-To: (.+)\r$/m.exec(text)![1];
    const bucket = /^Subject: Exactly once\r$/m.test(text) ? posts : welcomes;
    bucket.set(to, (bucket.get(to) ?? 0) + 1);
    expect(statSync(path.join(dir, name)).mode & 0o777).toBe(0o600);
  }
  expect(posts.size).toBe(MEMBERS);
  expect([...posts.values()].every((n) => n === 1)).toBe(true);
  expect(welcomes.size).toBe(NOTICES);
  expect([...welcomes.values()].every((n) => n === 1)).toBe(true);
  expect(eml).toHaveLength(MEMBERS + NOTICES);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  // Rows settled from the outbox carry the Message-ID that is in their file.
  const noId = await s.db.selectFrom('deliveries').select('id').where('post_id', '=', s.postId).where('message_id', 'is', null).execute();
  expect(noId).toEqual([]);
}

describe('file outbox: kill -9 mid-post, restart, count', () => {
  describe('on PostgreSQL', () => {
    let ctx: TestContext;
    beforeAll(async () => {
      ctx = await createTestContext();
    });
    afterAll(async () => {
      await ctx?.close();
    });

    it('every member has exactly one .eml, nothing left sending, no temporaries', async () => {
      const s = await setUp(ctx.db, ctx.clock);
      const env = { DATABASE_URL: ctx.config.databaseUrl!, SECRET_KEY: ctx.config.secretKey, BOUNCE_DOMAIN: ctx.config.bounceDomain, BASE_URL: ctx.config.baseUrl, DATA_DIR: ctx.config.dataDir };
      const pid = await killMidPost(env, HANG_AFTER);
      await restartAndCount(ctx, s, pid);
    });
  });

  describe('on PGlite (the embedded default)', () => {
    it('every member has exactly one .eml, nothing left sending, no temporaries', async () => {
      const config = testConfig();
      const folder = path.join(config.dataDir, 'pglite');
      const clockCtx = await createTestContext({ engine: 'pglite' }); // only for its clock and logger
      await clockCtx.close();
      {
        const h = await openDatabase({ databaseUrl: null, dataDir: folder });
        await migrate(h.db);
        await setUp(h.db, clockCtx.clock);
        await h.close();
      }
      const env = { SECRET_KEY: config.secretKey, BOUNCE_DOMAIN: config.bounceDomain, BASE_URL: config.baseUrl, DATA_DIR: config.dataDir };
      const pid = await killMidPost(env, HANG_AFTER);
      // Reopen the folder the killed process owned.
      const h = await openDatabase({ databaseUrl: null, dataDir: folder });
      try {
        const post = await h.db.selectFrom('posts').select('id').executeTakeFirstOrThrow();
        const addresses = Array.from({ length: MEMBERS }, (_, i) => `m${i}@ok.example.test`);
        await restartAndCount({ ...clockCtx, config, db: h.db, engine: h.engine }, { db: h.db, postId: post.id, addresses }, pid);
      } finally {
        await h.close();
      }
    }, 120_000);
  });
});
