// Benchmark: one post to 100,000 members through the real sender into an smtp-server sink, on real PostgreSQL
// (a throwaway database through the test harness, scripts/bench-database.ts).
// Prints RESULT lines; the last is `RESULT send_rate <n> msg/s`.
//   npm run bench:send [-- --members 100000 --lanes 8 --batch 500 --connections 16]
import { benchDatabase } from './bench-database.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sql, type Kysely } from 'kysely';
import { SYSTEM } from '../src/audit.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/index.js';
import { migrate } from '../src/db/migrate.js';
import type { Database } from '../src/db/schema.js';
import { createLogger } from '../src/logger.js';
import { createPost, postProgress, startPost } from '../src/sending/posts.js';
import { Sender } from '../src/sending/worker.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const MEMBERS = arg('members', 100_000);
const LANES = arg('lanes', 8);
const BATCH = arg('batch', 500);
const CONNECTIONS = arg('connections', 16);
/** --null 1: a transport that accepts at once, to measure the queue's own cost (claims, building, recording). */
const NULL_TRANSPORT = arg('null', 0) === 1;

/** The sink runs in its own thread so that its CPU does not count against the sender's. */
const SINK_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { SMTPServer } = require(${JSON.stringify(require_resolve('smtp-server'))});
let count = 0;
const server = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, maxClients: 1000,
  onData(stream, _s, cb) { stream.on('data', () => {}); stream.on('end', () => { count++; cb(); }); } });
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.server.address().port }));
parentPort.on('message', (m) => { if (m === 'count') parentPort.postMessage({ count }); if (m === 'close') server.close(() => process.exit(0)); });
`;

/** CPU time of this database's PostgreSQL backends (from /proc, when PostgreSQL runs on this machine), else -1. */
async function postgresCpuMs(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const r of rows) {
    try {
      const stat = readFileSync(`/proc/${r.pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(f[11]) + Number(f[12])) * 1000) / tick;
    } catch {
      return -1;
    }
  }
  return total;
}

function require_resolve(name: string): string {
  return path.join(process.cwd(), 'node_modules', name);
}

function ask<T>(w: Worker, msg: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>): void => {
      if (key in m) {
        w.off('message', on);
        resolve(m[key] as T);
      }
    };
    w.on('message', on);
    w.postMessage(msg);
  });
}

async function main(): Promise<void> {
  const bench = await benchDatabase('lk_bench_send');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lk-bench-send-'));
  const sink = new Worker(SINK_SOURCE, { eval: true });
  const port = await new Promise<number>((resolve) => sink.once('message', (m: { port: number }) => resolve(m.port)));
  const handle = await openDatabase({ databaseUrl: bench.url, dataDir: null, poolSize: LANES + 4 });
  try {
    await migrate(handle.db);
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      SECRET_KEY: 'bench-secret-key-0123456789abcdefghijklmnop',
      BOUNCE_DOMAIN: 'lists.example.test',
      BASE_URL: 'https://lists.example.test',
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      SMTP_MAX_CONNECTIONS: String(CONNECTIONS),
    });
    const ctx = { config, db: handle.db, engine: handle.engine, clock: systemClock(), logger: createLogger('warn') };
    const list = await handle.db
      .insertInto('lists')
      .values({ name: 'bench', display_name: 'Bench List', threshold: 5, blocked_weight: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`insert into members (list_id, address, score, last_bounce_increment)
              select ${list.id}, 'member' || g || '@ok.example.test', 0, 0 from generate_series(1, ${MEMBERS}) g`.execute(handle.db);
    await sql`analyze members`.execute(handle.db);
    const post = await createPost(
      handle.db,
      SYSTEM,
      {
        listId: list.id,
        subject: 'Bench issue for {{address}}',
        text: `Hello {{address}},\n\n${'This is the body of a typical list post with a few paragraphs. '.repeat(20)}\n\nLeave: {{unsubscribeUrl}}\n`,
        html: `<p>Hello {{address}},</p><p>${'This is the body of a typical list post with a few paragraphs. '.repeat(20)}</p>`,
      },
      ctx.clock,
    );
    if (!post.ok) throw new Error(post.error);

    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 250);
    const t0 = performance.now();
    const started = await startPost(handle.db, SYSTEM, post.postId, ctx.clock);
    const t1 = performance.now();
    await sql`analyze deliveries`.execute(handle.db);
    let nulls = 0;
    const sender = new Sender(ctx, {
      lanes: LANES,
      batchSize: BATCH,
      ...(NULL_TRANSPORT
        ? { transport: { kind: 'smtp' as const, send: async () => (nulls++, { ok: true as const, code: 250, response: '250 ok' }), close: async () => {} } }
        : {}),
    });
    const t2 = performance.now();
    const cpu0 = process.cpuUsage();
    const pgCpu0 = await postgresCpuMs(handle.db);
    await sender.drain();
    const t3 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const pgCpu = (await postgresCpuMs(handle.db)) - pgCpu0;
    await sender.stop();
    clearInterval(sampler);
    const received = NULL_TRANSPORT ? nulls : await ask<number>(sink, 'count', 'count');
    const progress = await postProgress(handle.db, post.postId);
    const rate = Math.round(received / ((t3 - t2) / 1000));
    console.log(`members ${MEMBERS}, lanes ${LANES}, batch ${BATCH}, SMTP connections ${CONNECTIONS}`);
    console.log(`queued ${started.ok ? started.total : '?'} in ${Math.round(t1 - t0)} ms; sent ${progress?.counts.sent} in ${Math.round(t3 - t2)} ms; sink received ${received}; post ${progress?.status}`);
    if (received !== MEMBERS || progress?.counts.sent !== MEMBERS) throw new Error('not every message arrived exactly once');
    const perMsg = (ms: number) => Math.round((ms * 1000) / Math.max(received, 1));
    console.log(`machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`CPU per message: this process (sender + sink thread) ${perMsg((cpu.user + cpu.system) / 1000)} µs` +
      (pgCpu >= 0 ? `, PostgreSQL backends ${perMsg(pgCpu)} µs` : ''));
    console.log(`RESULT enqueue_time ${Math.round(t1 - t0)} ms`);
    console.log(`RESULT peak_rss ${Math.round(peakRss / 1024 / 1024)} MB`);
    console.log(`RESULT send_rate ${rate} msg/s`);
  } finally {
    await handle.close();
    await ask<unknown>(sink, 'close', 'never').catch(() => {});
    await bench.release();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
