// `npm run bench:intake`: 10,000 bounces in a Dovecot mailbox, handled end to end by the IMAP poller
// (fetch, classify, store raw, apply, move) against real PostgreSQL. Starts its own Dovecot and uses
// PostgreSQL through the same harness module as the tests (test/env/services.ts). Prints figures, then
// `RESULT intake_rate <n> msg/s` as the last line. BENCH_MESSAGES overrides the count.
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/index.js';
import { migrate } from '../src/db/migrate.js';
import { MailboxPoller } from '../src/intake/poller.js';
import { createLogger } from '../src/logger.js';
import type { AppContext } from '../src/services.js';
import { encodeVerp } from '../src/bounce/verp.js';
import {
  adminQuery,
  findExistingPostgres,
  makeRoot,
  removeRoot,
  ensureDebianPackages,
  startDovecot,
  startTempPostgres,
  withDatabase,
  type PostgresService,
} from '../test/env/services.js';

const N = Number(process.env.BENCH_MESSAGES ?? 10_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 250);
const BOUNCE_DOMAIN = 'lists.example.test';
const SECRET = 'bench-secret-key-0123456789abcdefghijklmnop';
const log = (s: string): void => console.log(s);

function dsn(to: string, recipient: string, i: number): Buffer {
  const kind = i % 10; // 7 hard, 2 soft (mailbox full), 1 delay
  const action = kind === 9 ? 'delayed' : 'failed';
  const status = kind < 7 ? '5.1.1' : kind < 9 ? '5.2.2' : '4.4.1';
  const diag = kind < 7 ? '550 5.1.1 <' + recipient + '>: Recipient address rejected: User unknown' : kind < 9 ? '552 5.2.2 Mailbox full' : '451 4.4.1 Connection timed out';
  const id = `${i.toString(16)}${randomBytes(4).toString('hex')}`;
  return Buffer.from(
    [
      'Return-Path: <>',
      `Delivered-To: ${to}`,
      'From: Mail Delivery System <MAILER-DAEMON@mx.remote.example>',
      `To: ${to}`,
      `Subject: ${action === 'failed' ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
      `Message-ID: <${id}@mx.remote.example>`,
      'Date: Wed, 25 Nov 2026 02:00:00 +0000',
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${id}/mx"`,
      '',
      `--${id}/mx`,
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is the mail system at host mx.remote.example.',
      '',
      "I'm sorry to have to inform you that your message could not",
      'be delivered to one or more recipients. It is attached below.',
      '',
      `--${id}/mx`,
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.remote.example',
      `X-Postfix-Queue-ID: ${id.toUpperCase()}`,
      'Arrival-Date: Wed, 25 Nov 2026 01:59:58 +0000 (UTC)',
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      `Original-Recipient: rfc822;${recipient}`,
      `Action: ${action}`,
      `Status: ${status}`,
      'Remote-MTA: dns; 192.0.2.25',
      `Diagnostic-Code: smtp; ${diag}`,
      '',
      `--${id}/mx`,
      'Content-Type: message/rfc822',
      '',
      `From: bench@${BOUNCE_DOMAIN}`,
      `To: ${recipient}`,
      'Subject: Issue 42 of the bench list',
      `Message-ID: <post-${id}@${BOUNCE_DOMAIN}>`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hello,\n\nthis is the post that bounced. '.repeat(20),
      '',
      `--${id}/mx--`,
      '',
    ].join('\r\n'),
  );
}

/** CPU seconds used so far by the processes this one started (PostgreSQL, Dovecot and their children). */
function childrenCpuSeconds(): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const raw = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
      // fields after the name: state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based from pid
      stats.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      /* gone */
    }
  }
  let ticks = 0;
  for (const [pid, s] of stats) {
    for (let p = s.ppid, hops = 0; p > 1 && hops < 20; p = stats.get(p)?.ppid ?? 0, hops++) {
      if (p === process.pid) {
        ticks += s.ticks;
        break;
      }
    }
    void pid;
  }
  return ticks / 100;
}

async function main(): Promise<void> {
  const root = await makeRoot();
  const stops: (() => Promise<void>)[] = [];
  try {
    // Installs them as root like the test setup does, else says which command to run.
    const usesExistingPg = process.env.BENCH_USE_EXISTING_PG === '1' && (await findExistingPostgres()) !== null;
    await ensureDebianPackages({ needPostgres: !usesExistingPg, log, only: ['dovecot-imapd', 'postgresql'], command: 'npm run bench:intake' });
    const t0 = performance.now();
    const [dovecot, pgSvc] = await Promise.all([
      startDovecot(root),
      (async (): Promise<PostgresService> => {
        // Its own throwaway cluster, so other work on a shared server does not skew the figure;
        // BENCH_USE_EXISTING_PG=1 uses DATABASE_URL / 127.0.0.1:5432 instead.
        const found = process.env.BENCH_USE_EXISTING_PG === '1' ? await findExistingPostgres() : null;
        return found ? { adminUrl: found.url, source: found.source, stop: async () => {} } : startTempPostgres(root, () => {});
      })(),
    ]);
    stops.push(() => dovecot.stop(), () => pgSvc.stop());
    const dbName = `lk_bench_intake_${process.pid}_${randomBytes(3).toString('hex')}`;
    await adminQuery(pgSvc.adminUrl, `create database ${dbName}`);
    stops.unshift(() => adminQuery(pgSvc.adminUrl, `drop database if exists ${dbName} with (force)`).then(() => {}));
    const handle = await openDatabase({ databaseUrl: withDatabase(pgSvc.adminUrl, dbName), dataDir: null });
    stops.unshift(() => handle.close());
    await migrate(handle.db);
    log(`services up in ${Math.round(performance.now() - t0)} ms (postgres via ${pgSvc.source})`);

    // A list of N members; one DSN each, addressed to the member's VERP return path.
    const list = await handle.db
      .insertInto('lists')
      .values({ name: 'bench', display_name: 'Bench' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const ids: number[] = [];
    for (let i = 0; i < N; i += 1000) {
      const rows = await handle.db
        .insertInto('members')
        .values(Array.from({ length: Math.min(1000, N - i) }, (_, k) => ({ list_id: list.id, address: `member${i + k}@example.org` })))
        .returning('id')
        .execute();
      ids.push(...rows.map((r) => Number(r.id)));
    }
    // Straight into the maildir (as Postfix's virtual agent delivers); Dovecot indexes it at the first SELECT.
    const maildir = path.join(dovecot.mailRoot, 'bounces', 'Maildir');
    for (const d of ['cur', 'new', 'tmp']) mkdirSync(path.join(maildir, d), { recursive: true });
    let bytes = 0;
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < N; i++) {
      const a = `member${i}@example.org`;
      const msg = dsn(encodeVerp('bench', { address: a, memberId: ids[i] }, { bounceDomain: BOUNCE_DOMAIN, secret: SECRET }), a, i);
      bytes += msg.length;
      const f = path.join(maildir, 'new', `${now}.M${i}P${process.pid}.bench,S=${msg.length}`);
      writeFileSync(f, msg);
      if (process.getuid?.() === 0) chownSync(f, dovecot.mailUid, dovecot.mailGid);
    }
    if (process.getuid?.() === 0) {
      for (const d of [path.join(dovecot.mailRoot, 'bounces'), maildir, ...['cur', 'new', 'tmp'].map((x) => path.join(maildir, x))]) {
        chownSync(d, dovecot.mailUid, dovecot.mailGid);
      }
    }
    const account = { host: dovecot.host, port: dovecot.port, user: 'bounces', pass: dovecot.users.bounces };
    const probe = new ImapFlow({ host: account.host, port: account.port, secure: false, auth: { user: account.user, pass: account.pass }, logger: false });
    probe.on('error', () => {});
    await probe.connect();
    const before = await probe.status('INBOX', { messages: true });
    await probe.logout();
    log(`mailbox: ${before ? before.messages : '?'} messages, ${(bytes / 1048576).toFixed(1)} MB`);

    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATA_DIR: path.join(root, 'data'),
      SECRET_KEY: SECRET,
      BOUNCE_DOMAIN,
      DATABASE_URL: withDatabase(pgSvc.adminUrl, dbName),
    });
    const ctx: AppContext = { config, db: handle.db, engine: 'postgres', clock: systemClock(), logger: createLogger('warn') };
    const poller = new MailboxPoller(
      ctx,
      { name: 'bench', host: account.host, port: account.port, secure: false, user: account.user, password: account.pass, folder: 'INBOX' },
      {
        batchSize: BATCH,
        faults: {
          afterFetch: () => {
            const t = performance.now();
            phases.fetchAndMove += t - mark;
            mark = t;
          },
          afterCommit: () => {
            const t = performance.now();
            phases.ingest += t - mark;
            mark = t;
          },
        },
      },
    );
    // Where the time goes: fetch + move (IMAP) vs ingest (classify, store, apply: CPU + PostgreSQL).
    const phases = { fetchAndMove: 0, ingest: 0 };
    let mark = performance.now();

    let peakRss = 0;
    let peakHeap = 0;
    const sample = (): void => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    };
    sample();
    const baseRss = process.memoryUsage().rss;
    const sampler = setInterval(sample, 50);
    const cpu0 = process.cpuUsage();
    const servicesCpu0 = childrenCpuSeconds();
    const start = performance.now();
    mark = start;
    let handled = 0;
    for (let pass = 0; pass < 5 && handled < N; pass++) {
      const r = await poller.runOnce();
      handled += r.handled;
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const servicesCpu = childrenCpuSeconds() - servicesCpu0;
    clearInterval(sampler);
    sample();
    await poller.disconnect();

    // Check: every message stored once, every event recorded once, the inbox empty, nothing deleted.
    const counts = await handle.db
      .selectFrom('inbound_messages')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('moved_at').as('moved')])
      .executeTakeFirstOrThrow();
    const events = await handle.db.selectFrom('bounce_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const check = new ImapFlow({ host: account.host, port: account.port, secure: false, auth: { user: account.user, pass: account.pass }, logger: false });
    check.on('error', () => {});
    await check.connect();
    const inbox = await check.status('INBOX', { messages: true });
    const processed = await check.status('Processed', { messages: true });
    await check.logout();
    const ok =
      Number(counts.n) === N &&
      Number(counts.moved) === N &&
      Number(events.n) === N &&
      inbox !== false &&
      inbox.messages === 0 &&
      processed !== false &&
      processed.messages === N;
    log(`handled ${handled} messages in ${seconds.toFixed(2)} s (batch ${BATCH}); stored ${counts.n}, moved ${counts.moved}, events ${events.n}; ` +
      `INBOX ${inbox ? inbox.messages : '?'}, Processed ${processed ? processed.messages : '?'}: ${ok ? 'OK' : 'MISMATCH'}`);
    log(`time waiting for IMAP (fetch, move) ${(phases.fetchAndMove / 1000).toFixed(2)} s, look-up, classify, store, apply ${(phases.ingest / 1000).toFixed(2)} s`);
    const ownCpu = (cpu.user + cpu.system) / 1e6;
    const os = await import('node:os');
    log(
      `cpu: this process ${ownCpu.toFixed(2)} s, PostgreSQL + Dovecot ${servicesCpu.toFixed(2)} s = ` +
        `${(((ownCpu + servicesCpu) / N) * 1000).toFixed(2)} ms per message; ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} ` +
        `(the rate is wall-clock; on a busy machine it falls with the CPU share)`,
    );
    log(`memory: rss ${(baseRss / 1048576).toFixed(0)} MB before, peak ${(peakRss / 1048576).toFixed(0)} MB; peak heap ${(peakHeap / 1048576).toFixed(0)} MB`);
    if (!ok) process.exitCode = 1;
    console.log(`RESULT intake_peak_rss ${(peakRss / 1048576).toFixed(0)} MB`);
    console.log(`RESULT intake_rate ${Math.round(N / seconds)} msg/s`);
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
    await removeRoot(root).catch(() => {});
  }
}

await main();
