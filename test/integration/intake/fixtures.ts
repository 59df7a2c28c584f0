// Fixtures for the intake tests: lists, members, deliveries written straight to the database, synthetic
// DSNs, a poller bound to a per-test Dovecot mailbox, and folder counts read over IMAP.
import { randomBytes } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import { encodeVerp, trackingValue } from '../../../src/bounce/verp.js';
import type { ImapMailboxConfig } from '../../../src/config.js';
import type { Db } from '../../../src/db/index.js';
import { MailboxPoller, type PollerOptions } from '../../../src/intake/poller.js';
import type { AppContext } from '../../../src/services.js';
import { afterEach, beforeEach } from 'vitest';
import type { Engine } from '../../../src/db/index.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { connectImap, createMailbox, type TestMailbox } from '../../helpers/mail.js';

export async function createList(db: Db, name = `l${randomBytes(3).toString('hex')}`): Promise<{ id: number; name: string }> {
  const row = await db
    .insertInto('lists')
    .values({ name, display_name: name })
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
  return { id: Number(row.id), name: row.name };
}

export async function addMember(db: Db, listId: number, address: string): Promise<number> {
  const row = await db
    .insertInto('members')
    .values({ list_id: listId, address: address.toLowerCase() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function addDelivery(db: Db, listId: number, memberId: number, address: string): Promise<number> {
  const post = await db
    .insertInto('posts')
    .values({ list_id: listId, subject: 'Issue 1', status: 'sending' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const d = await db
    .insertInto('deliveries')
    .values({ post_id: post.id, list_id: listId, member_id: memberId, address, status: 'sent' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(d.id);
}

export function verpFor(ctx: AppContext, list: string, address: string, memberId: number): string {
  return encodeVerp(list, { address, memberId }, { bounceDomain: ctx.config.bounceDomain, secret: ctx.config.secretKey });
}

export function tracking(ctx: AppContext, deliveryId: number): string {
  return trackingValue('post', deliveryId, ctx.config.secretKey);
}

/** A Postfix-style RFC 3464 DSN delivered to `to` (the VERP address) about `recipient`. */
export function makeDsn(opts: {
  to: string;
  recipient: string;
  action?: 'failed' | 'delayed';
  status?: string;
  diagnostic?: string;
  trackingHeader?: string;
  unique?: string;
}): Buffer {
  const id = opts.unique ?? randomBytes(6).toString('hex');
  const action = opts.action ?? 'failed';
  const status = opts.status ?? (action === 'failed' ? '5.1.1' : '4.2.2');
  const diag = opts.diagnostic ?? (action === 'failed' ? '550 5.1.1 User unknown' : '452 4.2.2 Mailbox full, try again later');
  const text = [
    'Return-Path: <>',
    `Delivered-To: ${opts.to}`,
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.test>',
    `To: ${opts.to}`,
    `Subject: ${action === 'failed' ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
    `Message-ID: <${id}@mx.example.test>`,
    'Date: Thu, 01 Jan 2026 12:00:00 +0000',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"',
    '',
    '--BOUNDARY',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.example.test.',
    '',
    action === 'failed'
      ? "I'm sorry to have to inform you that your message could not be delivered to one or more recipients."
      : 'Your message could not be delivered for more than 0 hour(s). It will be retried.',
    '',
    '--BOUNDARY',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.test',
    `X-Postfix-Queue-ID: ${id.toUpperCase()}`,
    '',
    `Final-Recipient: rfc822; ${opts.recipient}`,
    `Original-Recipient: rfc822;${opts.recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    'Remote-MTA: dns; mx.remote.example',
    `Diagnostic-Code: smtp; ${diag}`,
    '',
    '--BOUNDARY',
    'Content-Type: text/rfc822-headers',
    '',
    'From: list@lists.example.test',
    `To: ${opts.recipient}`,
    'Subject: Issue 1',
    `Message-ID: <post-${id}@lists.example.test>`,
    ...(opts.trackingHeader ? [`X-Listkeeper-Tracking: ${opts.trackingHeader}`] : []),
    '',
    '--BOUNDARY--',
    '',
  ].join('\r\n');
  return Buffer.from(text);
}

export function mailboxConfig(mb: TestMailbox, folder = 'INBOX'): ImapMailboxConfig {
  return {
    name: mb.account.user,
    host: mb.account.host,
    port: mb.account.port,
    secure: false,
    user: mb.account.user,
    password: mb.account.password,
    folder,
  };
}

export function pollerFor(ctx: AppContext, mb: TestMailbox, opts: PollerOptions = {}): MailboxPoller {
  return new MailboxPoller(ctx, mailboxConfig(mb), { pollMs: 100, backoffMinMs: 50, backoffMaxMs: 400, ...opts });
}

export async function appendAll(mb: TestMailbox, messages: Buffer[], folder = 'INBOX'): Promise<void> {
  const client = await connectImap(mb.account);
  try {
    for (const m of messages) {
      const r = await client.append(folder, m);
      if (!r) throw new Error('APPEND failed');
    }
  } finally {
    await client.logout();
  }
}

/** Messages per folder (folders that do not exist count 0). */
export async function folderCounts(mb: TestMailbox): Promise<Record<string, number>> {
  const client: ImapFlow = await connectImap(mb.account);
  try {
    const out: Record<string, number> = {};
    for (const f of ['INBOX', 'Processed', 'Unrecognised', 'Unprocessed', 'Quarantine']) {
      const s = await client.status(f, { messages: true }).catch(() => false as const);
      out[f] = s && typeof s.messages === 'number' ? s.messages : 0;
    }
    return out;
  } finally {
    await client.logout();
  }
}

export async function waitUntil<T>(what: string, f: () => Promise<T | null | false | undefined>, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function memberScores(db: Db, listId: number): Promise<Record<string, number>> {
  const rows = await db.selectFrom('members').select(['address', 'score']).where('list_id', '=', listId).execute();
  return Object.fromEntries(rows.map((r) => [r.address, Number(r.score)]));
}

/** Per test: a fresh Dovecot mailbox whose bounce domain is the context's BOUNCE_DOMAIN, and a fresh database. */
export function withMailboxContext(engine: Engine = 'postgres'): { readonly ctx: TestContext; readonly mb: TestMailbox } {
  const state = {} as { ctx: TestContext; mb: TestMailbox };
  beforeEach(async () => {
    state.mb = createMailbox();
    state.ctx = await createTestContext({ engine, env: { BOUNCE_DOMAIN: state.mb.bounceDomain } });
  });
  afterEach(async () => {
    await state.ctx.close();
  });
  return state;
}
