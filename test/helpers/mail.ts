// Mail helpers for tests on the harness's real services (test/env/global-setup.ts):
// IMAP clients for Dovecot mailboxes, sending through the test Postfix with a VERP sender, waiting for DSNs,
// the shared SMTP sink's received messages, and per-test sinks and mailboxes.
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { inject, type ProvidedContext } from 'vitest';
import type { ImapAccount } from '../env/global-setup.js';
import type { ReceivedMessage, SinkFileRecord } from '../env/sink.js';

export { decideByDomain, SINK_DOMAINS, startSink } from '../env/sink.js';
export type { RcptContext, RcptDecision, ReceivedMessage, RcptLogEntry, Sink, SinkOptions } from '../env/sink.js';
export type { ImapAccount } from '../env/global-setup.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------- IMAP (Dovecot) ----------

/** The harness's Dovecot account: `bounces` (default) or another default user (`alice`). */
export function imapAccount(user = 'bounces'): ImapAccount {
  const imap = inject('imap');
  if (user === imap.user) return imap;
  const password = inject('imapUsers')[user];
  if (password === undefined) throw new Error(`no Dovecot user "${user}" in the harness (see createMailbox())`);
  return { host: imap.host, port: imap.port, user, password };
}

/** imapflow client options for an account (plain IMAP on 127.0.0.1, no TLS offered). */
export function imapOptions(account: ImapAccount = imapAccount()): ConstructorParameters<typeof ImapFlow>[0] {
  return {
    host: account.host,
    port: account.port,
    secure: false,
    auth: { user: account.user, pass: account.password },
    logger: false,
  };
}

/** A connected imapflow client; call `logout()` when done. */
export async function connectImap(account: ImapAccount = imapAccount()): Promise<ImapFlow> {
  const client = new ImapFlow(imapOptions(account));
  client.on('error', () => {}); // a dropped socket at teardown must not crash the worker
  await client.connect();
  return client;
}

export interface TestMailbox {
  account: ImapAccount;
  /** Domain whose every address is delivered (by Postfix) into this mailbox's INBOX: `<user>.lists.example.test`. */
  bounceDomain: string;
  /** VERP return path routed to this mailbox: `<list>-bounces+<local>=<domain>@<bounceDomain>`. */
  verp(recipient: string, list?: string): string;
}

/**
 * A fresh Dovecot mailbox for one test (no other test touches it), with its own bounce domain in Postfix.
 * Use it when the test reads or moves everything in the mailbox (e.g. the IMAP poller).
 */
export function createMailbox(): TestMailbox {
  const dovecot = inject('dovecot');
  const imap = inject('imap');
  // Claim a spare user of the pool the harness created (mkdir is atomic, so parallel workers never share one).
  const claimed = dovecot.pool.find((u) => {
    try {
      mkdirSync(path.join(dovecot.claimsDir, u.user));
      return true;
    } catch {
      return false;
    }
  });
  if (!claimed) throw new Error(`all ${dovecot.pool.length} spare mailboxes are taken (MAILBOX_POOL_SIZE in test/env/services.ts)`);
  const home = path.join(dovecot.mailRoot, claimed.user);
  mkdirSync(home, { recursive: true });
  if (process.getuid?.() === 0) chownSync(home, dovecot.mailUid, dovecot.mailGid);
  const bounceDomain = `${claimed.user}.${inject('postfix')?.bounceDomain ?? 'lists.example.test'}`;
  return {
    account: { host: imap.host, port: imap.port, user: claimed.user, password: claimed.password },
    bounceDomain,
    verp: (recipient, list = 'list') => verpAddress(recipient, list, bounceDomain),
  };
}

export interface FetchedMessage {
  uid: number;
  source: Buffer;
  /** source as UTF-8, for simple `includes` matching. */
  text: string;
}

/**
 * Waits until a message matching `match` is in `mailbox` (default INBOX), polling with NOOP (faster than IDLE
 * with Dovecot). Looks at messages already there too. Holds the mailbox lock while waiting.
 */
export async function waitForMessage(
  client: ImapFlow,
  match: (m: FetchedMessage) => boolean,
  opts: { mailbox?: string; timeoutMs?: number; pollMs?: number } = {},
): Promise<FetchedMessage> {
  const mailbox = opts.mailbox ?? 'INBOX';
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const lock = await client.getMailboxLock(mailbox).catch((err: unknown) => {
    throw imapError(err);
  });
  const start = Date.now();
  let lastUid = 0;
  let seen = 0;
  try {
    for (;;) {
      const box = client.mailbox;
      if (box && box.exists > 0) {
        // fetchAll, not `for await` + early return: leaving imapflow's fetch generator early breaks the next command.
        const batch = await client.fetchAll(`${lastUid + 1}:*`, { uid: true, source: true }, { uid: true });
        for (const msg of batch) {
          if (msg.uid <= lastUid) continue; // `N:*` returns the last message when N is past the end
          lastUid = msg.uid;
          seen++;
          const source = msg.source ?? Buffer.alloc(0);
          const m = { uid: msg.uid, source, text: source.toString('utf8') };
          if (match(m)) return m;
        }
      }
      if (Date.now() - start > timeoutMs) {
        throw new Error(`no matching message in ${mailbox} within ${timeoutMs} ms (${seen} looked at)`);
      }
      await sleep(opts.pollMs ?? 50);
      await client.noop();
    }
  } catch (err) {
    throw imapError(err);
  } finally {
    lock.release();
  }
}

/** imapflow's errors say only "Command failed"; add what the server answered. */
function imapError(err: unknown): unknown {
  const e = err as Error & { responseText?: string; executedCommand?: string; responseStatus?: string };
  if (e instanceof Error && (e.responseText || e.executedCommand)) {
    e.message = `${e.message}: ${e.responseStatus ?? ''} ${e.responseText ?? ''} (command: ${e.executedCommand ?? '?'})`;
  }
  return err;
}

/**
 * Waits for a DSN about `recipient` (its `Final-Recipient`), optionally with a given `Action:` (failed, delayed).
 * Matches on the delivery-status text, so it works for DSNs from Postfix's local agent and from the sink.
 */
export function waitForDsn(
  client: ImapFlow,
  recipient: string,
  opts: { action?: 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded'; mailbox?: string; timeoutMs?: number } = {},
): Promise<FetchedMessage> {
  const rcpt = recipient.toLowerCase();
  return waitForMessage(
    client,
    (m) => {
      const t = m.text.replace(/\r?\n[ \t]+/g, ' ');
      const blocks = t.split(/\r?\n\r?\n/);
      return blocks.some(
        (b) =>
          new RegExp(`^Final-Recipient:\\s*rfc822;\\s*${escapeRegExp(rcpt)}\\s*$`, 'im').test(b) &&
          (opts.action === undefined || new RegExp(`^Action:\\s*${opts.action}\\s*$`, 'im').test(b)),
      );
    },
    { mailbox: opts.mailbox, timeoutMs: opts.timeoutMs },
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------- Postfix ----------

export type PostfixInfo = NonNullable<ProvidedContext['postfix']>;

/** The harness's Postfix, or a clear error why there is none. */
export function postfixInfo(): PostfixInfo {
  const p = inject('postfix');
  if (!p) throw new Error(`the test Postfix is not running: ${inject('postfixError') ?? 'unknown reason'}`);
  return p;
}

/** `<list>-bounces+<local>=<domain>@<bounceDomain>` (the VERP form of bounce-policy.md §2). */
export function verpAddress(recipient: string, list = 'list', bounceDomain = postfixInfo().bounceDomain): string {
  const at = recipient.lastIndexOf('@');
  return `${list}-bounces+${recipient.slice(0, at)}=${recipient.slice(at + 1)}@${bounceDomain}`;
}

/** An address the test Postfix bounces at once (unknown local user → 5.1.1 DSN). */
export function unknownUserAddress(local = `nosuchuser${randomBytes(3).toString('hex')}`): string {
  return `${local}@${postfixInfo().unknownUserDomain}`;
}

export interface SendViaPostfixOptions {
  to: string;
  /** Envelope sender; default the VERP address of `to` for `list` on `bounceDomain`. */
  envelopeFrom?: string;
  list?: string;
  /** e.g. a TestMailbox's bounceDomain, so the DSN lands in that mailbox. */
  bounceDomain?: string;
  from?: string;
  subject?: string;
  text?: string;
  headers?: Record<string, string>;
  messageId?: string;
}

/** Sends one message through the test Postfix (one recipient per message, as VERP implies). */
export async function sendViaPostfix(opts: SendViaPostfixOptions): Promise<{ envelopeFrom: string; messageId: string }> {
  const p = postfixInfo();
  const envelopeFrom = opts.envelopeFrom ?? verpAddress(opts.to, opts.list ?? 'list', opts.bounceDomain ?? p.bounceDomain);
  const tx = nodemailer.createTransport({ host: p.host, port: p.port, secure: false, ignoreTLS: true });
  try {
    const info = await tx.sendMail({
      envelope: { from: envelopeFrom, to: [opts.to] },
      from: opts.from ?? `${opts.list ?? 'list'}@${p.bounceDomain}`,
      to: opts.to,
      subject: opts.subject ?? 'Test message',
      text: opts.text ?? 'Hello from the Listkeeper tests.',
      headers: opts.headers,
      messageId: opts.messageId,
    });
    return { envelopeFrom, messageId: info.messageId };
  } finally {
    tx.close();
  }
}

// ---------- the shared sink ----------

/** SMTP URL of the shared sink (accepts; 452 for defer.example.test, 550 for reject.example.test). */
export function sinkUrl(): string {
  return inject('sink').url;
}

/** Everything the shared sink (also fed by Postfix) has received so far, oldest first. */
export function sinkMessages(): ReceivedMessage[] {
  const dir = inject('sink').dir;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .sort()
    .map((f) => {
      const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as SinkFileRecord;
      return { id: r.id, mailFrom: r.mailFrom, rcptTo: r.rcptTo, receivedAt: r.receivedAt, raw: Buffer.from(r.rawBase64, 'base64') };
    });
}

/** Waits until the shared sink has received a message matching `match`. */
export async function waitForSinkMessage(
  match: (m: ReceivedMessage) => boolean,
  timeoutMs = 15_000,
): Promise<ReceivedMessage> {
  const start = Date.now();
  for (;;) {
    const found = sinkMessages().find(match);
    if (found) return found;
    if (Date.now() - start > timeoutMs) throw new Error(`the shared sink received no matching message within ${timeoutMs} ms`);
    await sleep(50);
  }
}
