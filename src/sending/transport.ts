// Where outgoing mail goes: an SMTP server through nodemailer's connection pool, or (no SMTP_URL) the file
// outbox. Both take a finished raw message and an envelope and answer with the server's reply, never throwing.
import nodemailer from 'nodemailer';
import type { DkimKey } from './dkim.js';
import { unsafeAddressReason } from '../members/address.js';
import { fileTransport, outboxDir, type OutboxRecovery } from './outbox.js';
import { SmtpPool } from './smtp-client.js';
import { isLoopbackHost, PLAINTEXT_AUTH_HINT, type SmtpSecurityOptions } from './smtp-security.js';

export interface Envelope {
  /** The VERP return path. */
  from: string;
  to: string;
}

export interface OutgoingMail {
  envelope: Envelope;
  raw: string;
  /** Base name for the file outbox (e.g. `d123`), so a file can be tied to its delivery. */
  tag: string;
  dkim?: DkimKey | null;
}

/**
 * `code` is the SMTP reply code (null when no server answered: connection refused, timeout). `refused`: we would
 * not send it at all (an unsafe address): retrying cannot help, and it says nothing about the recipient.
 */
export type SendResult =
  | { ok: true; code: number; response: string }
  | { ok: false; code: number | null; response: string; refused?: boolean };

export interface MailTransport {
  readonly kind: 'smtp' | 'file';
  /** The file outbox's crash recovery (sending/outbox.ts); absent for SMTP. */
  readonly outbox?: OutboxRecovery;
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): Promise<void>;
}

export interface SmtpOptions extends SmtpSecurityOptions {
  url: string;
  maxConnections: number;
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  rejectedErrors?: NodemailerError[];
}

/** nodemailer's pool: used for messages that must be DKIM-signed (nodemailer signs while it streams). */
function nodemailerSender(opts: SmtpOptions): { send(mail: OutgoingMail): Promise<SendResult>; close(): void } {
  const u = new URL(opts.url);
  const secure = u.protocol === 'smtps:';
  const login = u.username !== '';
  // nodemailer logs in without TLS when the server offers no STARTTLS, unless told to require it. The loopback
  // exception is checked on the host name here (nodemailer gives no hook before AUTH); config.ts only accepts it
  // for a loopback SMTP_URL host.
  const plaintextOk = opts.allowPlaintextAuth === 'loopback' && isLoopbackHost(u.hostname);
  const tx = nodemailer.createTransport({
    pool: true,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    requireTLS: login && !secure && !plaintextOk,
    opportunisticTLS: plaintextOk,
    ...(opts.tlsCa ? { tls: { ca: opts.tlsCa } } : {}),
    auth: login ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    maxConnections: opts.maxConnections,
    // A pooled connection carries message after message (RSET in between) until the server closes it.
    maxMessages: Infinity,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 120_000,
  });
  return {
    async send(mail) {
      try {
        const info = await tx.sendMail({
          envelope: { from: mail.envelope.from, to: [mail.envelope.to] },
          raw: mail.raw,
          ...(mail.dkim ? { dkim: mail.dkim } : {}),
        });
        const response = String(info.response ?? '250 OK');
        return { ok: true, code: Number(/^\d{3}/.exec(response)?.[0] ?? 250), response };
      } catch (e) {
        const err = e as NodemailerError;
        if (err.code === 'ETLS' || err.code === 'EAUTH') {
          // Our configuration or the relay's, never the recipient's: no reply code, so it is never a bounce.
          const detail = err.response ?? err.message;
          const why =
            err.code === 'EAUTH'
              ? `authentication failed: ${detail}`
              : `STARTTLS failed (${detail})${login ? `: not logging in without TLS; ${PLAINTEXT_AUTH_HINT}` : ''}`;
          return { ok: false, code: null, response: `SMTP server ${u.hostname}:${u.port || (secure ? 465 : 587)}: ${why}` };
        }
        // One recipient per message: a RCPT rejection comes back as EENVELOPE with that recipient's reply.
        const first = err.rejectedErrors?.[0] ?? err;
        const code = typeof first.responseCode === 'number' ? first.responseCode : null;
        const response = first.response ?? first.message ?? String(e);
        return { ok: false, code, response };
      }
    },
    close: () => tx.close(),
  };
}

/** The last guard before an address becomes part of an SMTP command or an outbox header line. */
function refuseEnvelope(envelope: Envelope): SendResult | null {
  const why = unsafeAddressReason(envelope.from) ?? unsafeAddressReason(envelope.to);
  return why ? { ok: false, code: null, response: `not sent: ${why}`, refused: true } : null;
}

/**
 * SMTP: unsigned mail goes through the lean pipelining pool (smtp-client.ts); DKIM-signed mail through
 * nodemailer's pool, opened only when a signed message first comes along.
 */
export function smtpTransport(opts: SmtpOptions): MailTransport {
  const pool = new SmtpPool({ url: opts.url, maxConnections: opts.maxConnections, tlsCa: opts.tlsCa, allowPlaintextAuth: opts.allowPlaintextAuth });
  let signer: ReturnType<typeof nodemailerSender> | null = null;
  return {
    kind: 'smtp',
    async send(mail) {
      const refused = refuseEnvelope(mail.envelope);
      if (refused) return refused;
      if (mail.dkim) {
        signer ??= nodemailerSender(opts);
        return signer.send(mail);
      }
      return pool.send(mail.envelope.from, mail.envelope.to, mail.raw);
    },
    async close() {
      await pool.close();
      signer?.close();
    },
  };
}

export { fileTransport, outboxDir };

/** The transport the configuration asks for. */
export function createMailTransport(config: {
  smtpUrl: string | null;
  smtpMaxConnections: number;
  smtpTlsCa?: string | null;
  smtpAllowPlaintextAuth?: 'never' | 'loopback';
  dataDir: string;
}): MailTransport {
  return config.smtpUrl
    ? smtpTransport({
        url: config.smtpUrl,
        maxConnections: config.smtpMaxConnections,
        tlsCa: config.smtpTlsCa ?? null,
        allowPlaintextAuth: config.smtpAllowPlaintextAuth ?? 'never',
      })
    : fileTransport(outboxDir(config.dataDir));
}
