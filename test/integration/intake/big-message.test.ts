// A 25 MB bounce through both doors of the real app process (`src/main.ts`, on the embedded database as
// `npm start` runs it, and on PostgreSQL): POST /api/inbound/raw and the IMAP poller on Dovecot. Measures the
// wall time and the process's peak RSS growth (its VmHWM, reset before each message), and checks that
// /healthz and /readyz keep answering meanwhile and that the raw bytes are stored whole.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/index.js';
import { createPostgresDatabase, type TestDatabase } from '../../helpers/db.js';
import { createMailbox, type TestMailbox } from '../../helpers/mail.js';
import { appendAll, folderCounts, mailboxConfig, waitUntil } from './fixtures.js';

const root = path.resolve(import.meta.dirname, '../../..');
const TOKEN = 'inbound-token-0123456789abcdef-0123456789';
const SIZE = 25_000_000;
// Generous bounds: the targets are 2 s and 300 MB on a quiet machine, and the suite runs on a loaded 2-core one.
// Time is bounded as the app process's CPU time, which the load moves little; the wall time only against a
// hang. Before the fix, on PGlite: 6.6 s (nearly all CPU), +1.9 GB, and /healthz waited the whole 6.5 s.
const MAX_CPU_SECONDS = 4;
const MAX_WALL_SECONDS = 30;
const MAX_GROWTH_MB = 500;
// PGlite runs in the app's own thread: while it stores the 25 MB nothing else runs, so there the wait is bounded
// by the CPU time above. PostgreSQL is another process: the app keeps answering.
const MAX_HEALTH_MS = { pglite: MAX_WALL_SECONDS * 1000, postgres: 2000 };

/** A DSN naming `recipient`, followed by `kind` of filler up to SIZE bytes. */
function bigBounce(kind: 'base64-attachment' | 'rfc822-headers', to: string, recipient: string): Buffer {
  const id = randomBytes(6).toString('hex');
  const head = [
    'Return-Path: <>',
    `Delivered-To: ${to}`,
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.test>',
    `To: ${to}`,
    'Subject: Undelivered Mail Returned to Sender',
    `Message-ID: <${id}@mx.example.test>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"',
    '',
    '--BOUNDARY',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Your message could not be delivered to one or more recipients.',
    '',
    '--BOUNDARY',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.test',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
    '',
    '--BOUNDARY',
  ].join('\r\n');
  const tail = '\r\n--BOUNDARY--\r\n';
  const partHead =
    kind === 'base64-attachment'
      ? 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="big.bin"\r\n\r\n'
      : `Content-Type: text/rfc822-headers\r\n\r\nFrom: list@example.test\r\nTo: ${recipient}\r\nSubject: Issue 1\r\n`;
  const room = SIZE - Buffer.byteLength(head) - 2 - partHead.length - tail.length;
  let filler: string;
  if (kind === 'base64-attachment') {
    filler = randomBytes(Math.floor((room / 78) * 57)).toString('base64').replace(/.{76}/g, '$&\r\n');
  } else {
    const lines: string[] = [];
    for (let n = 0, i = 0; n < room - 100; i++) {
      const l = `X-Trace-${i}: ${randomBytes(30).toString('hex')}`;
      lines.push(l);
      n += l.length + 2;
    }
    filler = lines.join('\r\n');
  }
  return Buffer.from(`${head}\r\n${partHead}${filler}${tail}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** The process's resident set and its peak since the last reset, in MB (Linux /proc). */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** CPU seconds (user + system) the process has used (/proc/PID/stat, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

interface App {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

async function startApp(env: Record<string, string>): Promise<App> {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      INBOUND_TOKEN: TOKEN,
      SECRET_KEY: 'test-secret-key-0123456789abcdefghijklmnop',
      IMAP_POLL_SECONDS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    'the app to answer /readyz',
    async () => {
      if (child.exitCode !== null) throw new Error(`app exited early:\n${out}`);
      return fetch(`${url}/readyz`).then((r) => r.ok).catch(() => false);
    },
    90_000,
  );
  return {
    child,
    url,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Asks /healthz and /readyz every 50 ms until stopped; the slowest answer of each, in ms. */
function watchHealth(url: string): { stop(): Promise<{ healthz: number; readyz: number; answers: number }> } {
  let running = true;
  const worst = { healthz: 0, readyz: 0, answers: 0 };
  const loop = async (p: 'healthz' | 'readyz') => {
    while (running) {
      const t = performance.now();
      const res = await fetch(`${url}/${p}`);
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      worst[p] = Math.max(worst[p], performance.now() - t);
      worst.answers++;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const done = Promise.all([loop('healthz'), loop('readyz')]);
  return {
    async stop() {
      running = false;
      await done;
      return worst;
    },
  };
}

interface Figures {
  seconds: number;
  cpu: number;
  growthMb: number;
  health: { healthz: number; readyz: number; answers: number };
}

async function measure(app: App, what: string, run: () => Promise<void>): Promise<Figures> {
  const pid = app.child.pid as number;
  await new Promise((r) => setTimeout(r, 300)); // let start-up garbage settle
  const before = memory(pid);
  resetPeak(pid);
  const health = watchHealth(app.url);
  const t = performance.now();
  const cpu0 = cpuSeconds(pid);
  await run();
  const seconds = (performance.now() - t) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const h = await health.stop();
  const after = memory(pid);
  const figures = { seconds, cpu, growthMb: after.peak - before.rss, health: h };
  console.log(
    `${what}: ${seconds.toFixed(2)} s (app CPU ${cpu.toFixed(2)} s), RSS ${before.rss.toFixed(0)} MB -> peak ${after.peak.toFixed(0)} MB ` +
      `(+${figures.growthMb.toFixed(0)} MB), slowest /healthz ${h.healthz.toFixed(0)} ms, /readyz ${h.readyz.toFixed(0)} ms`,
  );
  return figures;
}

function expectBounded(f: Figures, engine: 'pglite' | 'postgres'): void {
  expect(f.cpu).toBeLessThan(MAX_CPU_SECONDS);
  expect(f.seconds).toBeLessThan(MAX_WALL_SECONDS);
  expect(f.growthMb).toBeLessThan(MAX_GROWTH_MB);
  expect(f.health.answers).toBeGreaterThan(2);
  expect(f.health.healthz).toBeLessThan(MAX_HEALTH_MS[engine]);
  expect(f.health.readyz).toBeLessThan(MAX_HEALTH_MS[engine]);
}

async function storedRaws(db: TestDatabase['db']): Promise<{ size: number; hash: string }[]> {
  const rows = await db.selectFrom('inbound_messages').select(['raw', 'size']).orderBy('id').execute();
  return rows.map((r) => ({ size: Number(r.size), hash: createHash('sha256').update(r.raw).digest('hex') }));
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(['pglite', 'postgres'] as const)('a 25 MB bounce on %s', (engine) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it('is handled through HTTP and IMAP in bounded time and memory, without stalling other requests, and stored whole', async () => {
    const mb: TestMailbox = createMailbox();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lk-big-'));
    let database: TestDatabase | null = null;
    if (engine === 'postgres') {
      database = await createPostgresDatabase();
      cleanup.push(() => (database as TestDatabase).drop());
    }
    const app = await startApp({
      DATA_DIR: dataDir,
      BOUNCE_DOMAIN: mb.bounceDomain,
      IMAP_MAILBOXES: JSON.stringify([mailboxConfig(mb)]),
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
    });
    cleanup.push(() => app.stop());

    const viaHttp = bigBounce('base64-attachment', `dev-bounces@${mb.bounceDomain}`, 'a@example.org');
    const viaImap = bigBounce('rfc822-headers', `dev-bounces@${mb.bounceDomain}`, 'b@example.org');

    const http = await measure(app, `${engine} HTTP, ${viaHttp.length} bytes`, async () => {
      const res = await fetch(`${app.url}/api/inbound/raw`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'message/rfc822' },
        body: viaHttp,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ state: 'unrecognised', kind: 'bounce', duplicate: false });
    });

    const imap = await measure(app, `${engine} IMAP, ${viaImap.length} bytes`, async () => {
      await appendAll(mb, [viaImap]);
      await waitUntil('the message filed', async () => (await folderCounts(mb)).Unrecognised === 1, 30_000);
    });

    await app.stop();
    expect(app.output()).not.toMatch(/"level":(50|60)/);
    expectBounded(http, engine);
    expectBounded(imap, engine);

    // Nothing lost: both stored byte for byte.
    const handle = database ?? { ...(await openDatabase({ databaseUrl: null, dataDir: path.join(dataDir, 'pglite') })), url: null, drop: async () => {} };
    try {
      expect(await storedRaws(handle.db)).toEqual([
        { size: viaHttp.length, hash: sha(viaHttp) },
        { size: viaImap.length, hash: sha(viaImap) },
      ]);
    } finally {
      if (!database) await handle.close();
    }
  }, 240_000);
});
