// An SMTP sink (npm smtp-server) that accepts, defers (452) or rejects (550) each recipient and records what it received.
// Used once by the global setup (Postfix relays ok/defer/reject.example.test to it) and by tests that want their own.
// It can also answer like a scripted remote server: refuse the connection, the MAIL FROM or the DATA, with
// multi-line replies, and offer STARTTLS (the real-MTA fixtures in test/env/mta/ use that).
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';

/** A reply: `message` as an array is sent as a multi-line reply (`550-first`, ..., `550 last`). */
export interface SinkReply {
  code: number;
  message: string | string[];
}

export type RcptDecision = 'accept' | 'defer' | 'reject' | SinkReply;

export interface RcptContext {
  /** 1 for the first RCPT TO of this address seen by this sink, 2 for the second, ... */
  attempt: number;
  mailFrom: string;
  /** Milliseconds since this sink first saw a RCPT TO for this address (0 on the first). */
  sinceFirstMs: number;
}

export interface DataContext {
  mailFrom: string;
  rcptTo: string[];
}

export interface SinkOptions {
  /** Per-recipient answer; default: by domain (see decideByDomain). */
  decide?: (address: string, ctx: RcptContext) => RcptDecision;
  /** When set, every received message is also written there as `<time>-<id>.json` (see SinkFileRecord). */
  dir?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Refuse every connection with this reply instead of the 220 greeting. */
  refuseConnection?: SinkReply;
  /** Answer to MAIL FROM; default accept. `secure` is true once STARTTLS has been done. */
  decideMail?: (mailFrom: string, ctx: { secure: boolean }) => RcptDecision;
  /** Answer after DATA (the whole message, all its recipients); default accept. */
  decideData?: (ctx: DataContext) => RcptDecision;
  /** Offer STARTTLS (smtp-server's built-in self-signed localhost certificate). Default false. */
  starttls?: boolean;
  /** Advertised SIZE limit in bytes (default 50 MB). */
  size?: number;
  /** The name in the greeting (default the machine's host name). */
  name?: string;
  /** Listen address (default 127.0.0.1; any 127.x.y.z works on Linux, so several sinks can look like several hosts). */
  host?: string;
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

function replyError(reply: SinkReply): Error & { responseCode: number } {
  const lines = reply.message;
  const err = Object.assign(new Error(Array.isArray(lines) ? lines.join(' ') : lines), { responseCode: reply.code });
  // smtp-server sends an array message as a multi-line reply; an Error's message is typed string only.
  if (Array.isArray(lines)) (err as unknown as { message: string[] }).message = lines;
  return err;
}

function toError(address: string, decision: Exclude<RcptDecision, 'accept'>): Error & { responseCode: number } {
  if (decision === 'defer') return replyError({ code: 452, message: '4.2.2 Mailbox full, try again later' });
  if (decision === 'reject') {
    return replyError({ code: 550, message: `5.1.1 <${address}>: Recipient address rejected: User unknown` });
  }
  return replyError(decision);
}

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const decide = options.decide ?? decideByDomain;
  const messages: ReceivedMessage[] = [];
  const rcptLog: RcptLogEntry[] = [];
  const attempts = new Map<string, number>();
  const firstSeen = new Map<string, number>();
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
    disabledCommands: options.starttls ? ['AUTH'] : ['STARTTLS', 'AUTH'],
    logger: false,
    size: options.size ?? 50 * 1024 * 1024,
    closeTimeout: 1000,
    ...(options.name ? { name: options.name } : {}),
    onConnect(_session, cb) {
      cb(options.refuseConnection ? replyError(options.refuseConnection) : null);
    },
    onMailFrom(addr, session, cb) {
      const decision = options.decideMail ? options.decideMail(addr.address, { secure: session.secure }) : 'accept';
      cb(decision === 'accept' ? null : toError(addr.address, decision));
    },
    onRcptTo(addr: SMTPServerAddress, session: SMTPServerSession, cb: (err?: Error | null) => void) {
      const address = addr.address;
      const key = address.toLowerCase();
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const now = Date.now();
      if (!firstSeen.has(key)) firstSeen.set(key, now);
      const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      const decision = decide(address, { attempt, mailFrom, sinceFirstMs: now - (firstSeen.get(key) ?? now) });
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
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const rcptTo = session.envelope.rcptTo.map((r) => r.address);
        const decision = options.decideData ? options.decideData({ mailFrom, rcptTo }) : 'accept';
        if (decision !== 'accept') return cb(toError(rcptTo[0] ?? '', decision));
        record({ id: randomBytes(6).toString('hex'), mailFrom, rcptTo, receivedAt: new Date().toISOString(), raw: Buffer.concat(chunks) });
        cb();
      });
    },
  });
  // A client (Postfix at teardown) dropping the connection emits 'error'; unhandled it would crash the process.
  server.on('error', () => {});

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.server.once('error', onError);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  const addr = server.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('sink: no TCP address');
  const port = addr.port;

  const host = options.host ?? '127.0.0.1';
  return {
    host,
    port,
    url: `smtp://${host}:${port}`,
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
