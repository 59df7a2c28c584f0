// An SMTP sink (npm smtp-server) that accepts, defers (452) or rejects (550) each recipient and records what it received.
// Used once by the global setup (Postfix relays ok/defer/reject.example.test to it) and by tests that want their own.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

export type RcptDecision = 'accept' | 'defer' | 'reject' | { code: number; message: string };

export interface RcptContext {
  /** 1 for the first RCPT TO of this address seen by this sink, 2 for the second, ... */
  attempt: number;
  mailFrom: string;
}

export interface SinkOptions {
  /** Per-recipient answer; default: by domain (see decideByDomain). */
  decide?: (address: string, ctx: RcptContext) => RcptDecision;
  /** When set, every received message is also written there as `<time>-<id>.json` (see SinkFileRecord). */
  dir?: string;
  /** Default 0 (a free port). */
  port?: number;
}

export interface ReceivedMessage {
  id: string;
  mailFrom: string;
  rcptTo: string[];
  receivedAt: string;
  raw: Buffer;
}

/** The JSON written per message when `dir` is set; raw is base64. */
export interface SinkFileRecord {
  id: string;
  mailFrom: string;
  rcptTo: string[];
  receivedAt: string;
  rawBase64: string;
}

export interface RcptLogEntry {
  address: string;
  mailFrom: string;
  attempt: number;
  code: number;
  at: string;
}

export interface Sink {
  host: string;
  port: number;
  /** smtp://127.0.0.1:PORT — usable as the app's SMTP_URL. */
  url: string;
  messages: ReceivedMessage[];
  /** Every RCPT TO and the code answered (250, 452, 550, ...). */
  rcptLog: RcptLogEntry[];
  /** Resolves with the first received message matching `match` (already received or arriving within timeoutMs). */
  waitFor(match: (m: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  close(): Promise<void>;
}

export const SINK_DOMAINS = {
  ok: 'ok.example.test',
  defer: 'defer.example.test',
  reject: 'reject.example.test',
} as const;

/** ok.example.test (and any other domain) → accept; defer.example.test → 452; reject.example.test → 550. */
export function decideByDomain(address: string): RcptDecision {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  if (domain === SINK_DOMAINS.defer) return 'defer';
  if (domain === SINK_DOMAINS.reject) return 'reject';
  return 'accept';
}

function toError(address: string, decision: Exclude<RcptDecision, 'accept'>): Error & { responseCode: number } {
  if (decision === 'defer') {
    return Object.assign(new Error('4.2.2 Mailbox full, try again later'), { responseCode: 452 });
  }
  if (decision === 'reject') {
    return Object.assign(new Error(`5.1.1 <${address}>: Recipient address rejected: User unknown`), {
      responseCode: 550,
    });
  }
  return Object.assign(new Error(decision.message), { responseCode: decision.code });
}

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const decide = options.decide ?? decideByDomain;
  const messages: ReceivedMessage[] = [];
  const rcptLog: RcptLogEntry[] = [];
  const attempts = new Map<string, number>();
  const waiters = new Set<(m: ReceivedMessage) => void>();
  if (options.dir) mkdirSync(options.dir, { recursive: true });

  const record = (m: ReceivedMessage): void => {
    messages.push(m);
    if (options.dir) {
      const file: SinkFileRecord = {
        id: m.id,
        mailFrom: m.mailFrom,
        rcptTo: m.rcptTo,
        receivedAt: m.receivedAt,
        rawBase64: m.raw.toString('base64'),
      };
      const name = `${Date.now()}-${m.id}.json`;
      // Write then rename, so a reader never sees half a file.
      const tmp = path.join(options.dir, `.${name}.tmp`);
      writeFileSync(tmp, JSON.stringify(file));
      renameSync(tmp, path.join(options.dir, name));
    }
    for (const w of [...waiters]) w(m);
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 50 * 1024 * 1024,
    closeTimeout: 1000,
    onRcptTo(addr: SMTPServerAddress, session: SMTPServerSession, cb: (err?: Error | null) => void) {
      const address = addr.address;
      const key = address.toLowerCase();
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      const decision = decide(address, { attempt, mailFrom });
      const at = new Date().toISOString();
      if (decision === 'accept') {
        rcptLog.push({ address, mailFrom, attempt, code: 250, at });
        return cb();
      }
      const err = toError(address, decision);
      rcptLog.push({ address, mailFrom, attempt, code: err.responseCode, at });
      cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => cb(err));
      stream.on('end', () => {
        record({
          id: randomBytes(6).toString('hex'),
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          receivedAt: new Date().toISOString(),
          raw: Buffer.concat(chunks),
        });
        cb();
      });
    },
  });
  // A client (Postfix at teardown) dropping the connection emits 'error'; unhandled it would crash the process.
  server.on('error', () => {});

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.server.once('error', onError);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  const addr = server.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('sink: no TCP address');
  const port = addr.port;

  return {
    host: '127.0.0.1',
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    rcptLog,
    waitFor(match, timeoutMs = 10_000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`sink: no matching message within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        const w = (m: ReceivedMessage): void => {
          if (!match(m)) return;
          clearTimeout(timer);
          waiters.delete(w);
          resolve(m);
        };
        waiters.add(w);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
