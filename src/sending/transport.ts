// Where outgoing mail goes: an SMTP server through nodemailer's connection pool, or (no SMTP_URL) the file
// outbox. Both take a finished raw message and an envelope and answer with the server's reply, never throwing.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { DkimKey } from './dkim.js';
import { SmtpPool } from './smtp-client.js';

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

/** `code` is the SMTP reply code (null when no server answered: connection refused, timeout). */
export type SendResult = { ok: true; code: number; response: string } | { ok: false; code: number | null; response: string };

export interface MailTransport {
  readonly kind: 'smtp' | 'file';
  send(mail: OutgoingMail): Promise<SendResult>;
  close(): Promise<void>;
}

export interface SmtpOptions {
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
  const tx = nodemailer.createTransport({
    pool: true,
    host: u.hostname,
    port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 587,
    secure: u.protocol === 'smtps:',
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
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

/**
 * SMTP: unsigned mail goes through the lean pipelining pool (smtp-client.ts); DKIM-signed mail through
 * nodemailer's pool, opened only when a signed message first comes along.
 */
export function smtpTransport(opts: SmtpOptions): MailTransport {
  const pool = new SmtpPool({ url: opts.url, maxConnections: opts.maxConnections });
  let signer: ReturnType<typeof nodemailerSender> | null = null;
  return {
    kind: 'smtp',
    async send(mail) {
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

/**
 * The embedded default: each message becomes `<dir>/<time>-<tag>.eml`, written whole then renamed so the admin
 * UI never lists half a file. A Return-Path line records the envelope sender, as a delivering MTA would.
 */
export function fileTransport(dir: string): MailTransport {
  mkdirSync(dir, { recursive: true });
  return {
    kind: 'file',
    async send(mail) {
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.tag}-${randomBytes(3).toString('hex')}.eml`;
      const tmp = path.join(dir, `.${name}.tmp`);
      const content = `Return-Path: <${mail.envelope.from}>\r\nDelivered-To: ${mail.envelope.to}\r\n${mail.raw}`;
      try {
        await writeFile(tmp, content);
        await rename(tmp, path.join(dir, name));
        return { ok: true, code: 250, response: `250 written to outbox as ${name}` };
      } catch (e) {
        return { ok: false, code: null, response: `outbox: ${(e as Error).message}` };
      }
    },
    async close() {},
  };
}

export function outboxDir(dataDir: string): string {
  return path.join(dataDir, 'outbox');
}

/** The transport the configuration asks for. */
export function createMailTransport(config: { smtpUrl: string | null; smtpMaxConnections: number; dataDir: string }): MailTransport {
  return config.smtpUrl
    ? smtpTransport({ url: config.smtpUrl, maxConnections: config.smtpMaxConnections })
    : fileTransport(outboxDir(config.dataDir));
}
