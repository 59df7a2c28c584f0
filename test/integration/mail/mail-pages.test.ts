// Unrecognised bounces, mailbox status and the file outbox pages, on real PostgreSQL; the outbox is filled by
// the real sender writing files (embedded mode: no SMTP_URL).
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../../src/audit.js';
import { buildApp } from '../../../src/http/app.js';
import { createPost, startPost } from '../../../src/sending/posts.js';
import { outboxDir } from '../../../src/sending/transport.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createStaff, get, signIn, type Session } from '../desk/staff.js';

let ctx: TestContext;
let app: FastifyInstance;
const s = {} as Record<'admin' | 'desk' | 'owner', Session>;
let hostileId: number;

const HOSTILE = [
  'From: "Mail Delivery" <mailer-daemon@example.net>',
  'To: list-bounces@lists.example.test',
  'Subject: =?UTF-8?B?w6l0cmFuZ2U=?= <script>alert(1)</script>',
  'Message-ID: <odd-1@example.net>',
  '',
  '<script>alert("raw")</script> nobody here',
  '',
].join('\r\n');

// Generous: sign-ins (scrypt), fixtures and services are slow when the whole suite runs in parallel.
beforeAll(async () => {
  ctx = await createTestContext({ env: { IMAP_HOST: 'imap.example.test', IMAP_USER: 'bounces', IMAP_PASSWORD: 'secret-pass', IMAP_TLS: 'false' } });
  app = await buildApp(ctx);
  await app.ready();
  const list = (await ctx.db.insertInto('lists').values({ name: 'alpha', display_name: 'Alpha' }).returning('id').executeTakeFirstOrThrow()).id;
  await ctx.db.insertInto('members').values([{ list_id: list, address: 'one@example.org' }, { list_id: list, address: 'two@example.org' }]).execute();
  const rows = [];
  for (let i = 0; i < 55; i++) {
    const raw = Buffer.from(`From: x${i}@example.net\r\nSubject: odd ${i}\r\n\r\nbody ${i}\r\n`);
    rows.push({ source: 'imap' as const, mailbox: 'INBOX', content_hash: `h${i}`, raw, size: raw.length, subject: `odd ${i}`, from_address: `x${i}@example.net`, kind: 'other' as const, state: 'unrecognised' as const });
  }
  rows.push({ source: 'http' as const, mailbox: null, content_hash: 'f1', raw: Buffer.from('garbage'), size: 7, subject: null, from_address: null, kind: null, state: 'failed' as const, error: 'database went away' });
  await ctx.db.insertInto('inbound_messages').values(rows).execute();
  hostileId = (
    await ctx.db
      .insertInto('inbound_messages')
      .values({ source: 'imap', mailbox: 'INBOX', content_hash: 'hostile', raw: Buffer.from(HOSTILE), size: HOSTILE.length, subject: 'étrange <script>alert(1)</script>', from_address: 'mailer-daemon@example.net', kind: 'bounce', state: 'unrecognised', classification: JSON.stringify({ kind: 'bounce', recipients: [{ address: 'lost@elsewhere.example' }] }) })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await ctx.db
    .insertInto('mailbox_status')
    .values({ name: 'bounces@imap.example.test', last_poll_at: new Date('2026-01-01T11:59:00Z'), last_success_at: new Date('2026-01-01T11:00:00Z'), last_error: 'connect ECONNREFUSED', last_error_at: new Date('2026-01-01T11:59:00Z'), messages_processed: 42, lag_seconds: 90 })
    .execute();
  // The outbox, filled by the real sender in embedded mode.
  const post = await createPost(ctx.db, SYSTEM, { listId: list, subject: 'Outbox test', text: 'Hello {{address}}', html: null }, ctx.clock);
  if (!post.ok) throw new Error('post');
  await startPost(ctx.db, SYSTEM, post.postId, ctx.clock);
  const sender = new Sender(ctx, { idleMs: 20 });
  await sender.drain();
  await sender.stop();
  await createStaff(ctx.db, 'admin@example.org', 'site_admin');
  await createStaff(ctx.db, 'desk@example.org', 'service_desk');
  await createStaff(ctx.db, 'owner@example.org', 'list_admin', [list]);
  s.admin = await signIn(app, 'admin@example.org');
  s.desk = await signIn(app, 'desk@example.org');
  s.owner = await signIn(app, 'owner@example.org');
}, 120_000);

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('who may see mail', () => {
  it('refuses list admins the inbound pages and everyone but site admins the outbox', async () => {
    const file = readdirSync(outboxDir(ctx.config.dataDir)).find((n) => n.endsWith('.eml'))!;
    for (const url of ['/admin/mail/unrecognised', `/admin/mail/inbound/${hostileId}`, `/admin/mail/inbound/${hostileId}/raw`, '/admin/mail/mailboxes']) {
      expect((await get(app, s.owner, url)).statusCode, url).toBe(403);
      expect((await get(app, s.desk, url)).statusCode, url).toBe(200);
    }
    for (const url of ['/admin/mail/outbox', `/admin/mail/outbox/${file}`, `/admin/mail/outbox/${file}/raw`]) {
      expect((await get(app, s.owner, url)).statusCode, url).toBe(403);
      expect((await get(app, s.desk, url)).statusCode, url).toBe(403);
      expect((await get(app, s.admin, url)).statusCode, url).toBe(200);
    }
    expect((await get(app, null, '/admin/mail/outbox')).statusCode).toBe(303);
  });
});

describe('unrecognised bounces', () => {
  it('lists them newest first, 50 a page, with counts per state', async () => {
    const first = await get(app, s.desk, '/admin/mail/unrecognised');
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('unrecognised (56)');
    expect(first.body).toContain('x54@example.net');
    // What the classifier found in it, for a person to match by hand.
    expect(first.body).toContain('<td>lost@elsewhere.example</td>');
    expect(first.body).toContain('failed (1)');
    const links = (b: string) => (b.match(/href="\/admin\/mail\/inbound\/\d+">\d{4}-/g) ?? []).length;
    expect(links(first.body)).toBe(50);
    const next = /href="([^"]+)" rel="next"/.exec(first.body)![1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    const second = await get(app, s.desk, next);
    expect(links(second.body)).toBe(6);
    expect(second.body).toContain('odd 0');
    const failed = await get(app, s.desk, '/admin/mail/unrecognised?state=failed');
    expect(failed.body).toContain('database went away');
  });

  it('shows a hostile message escaped, with its classification, and serves the raw one only as a download', async () => {
    const page = await get(app, s.desk, `/admin/mail/inbound/${hostileId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).toContain('&lt;script&gt;alert(&quot;raw&quot;)&lt;/script&gt;');
    expect(page.body).toContain('What the classifier found');
    const raw = await get(app, s.desk, `/admin/mail/inbound/${hostileId}/raw`);
    expect(raw.headers['content-type']).toBe('message/rfc822');
    expect(raw.headers['content-disposition']).toMatch(/^attachment;/);
    expect(raw.body).toBe(HOSTILE);
    expect((await get(app, s.desk, '/admin/mail/inbound/999999')).statusCode).toBe(404);
  });
});

describe('mailbox status', () => {
  it('shows each configured mailbox with its last poll, error and counts, and no password', async () => {
    const res = await get(app, s.desk, '/admin/mail/mailboxes');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('bounces@imap.example.test');
    expect(res.body).toContain('connect ECONNREFUSED');
    expect(res.body).toContain('failing');
    expect(res.body).toMatch(/<td class="num">42<\/td>/);
    expect(res.body).not.toContain('secret-pass');
  });
});

describe('file outbox', () => {
  it('lists the messages the sender wrote, and shows one with its headers', async () => {
    const list = await get(app, s.admin, '/admin/mail/outbox');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('2 messages');
    expect(list.body).toContain('one@example.org');
    expect(list.body).toContain('two@example.org');
    const name = /href="\/admin\/mail\/outbox\/([^"/]+\.eml)"/.exec(list.body)![1];
    const one = await get(app, s.admin, `/admin/mail/outbox/${name}`);
    expect(one.statusCode).toBe(200);
    expect(one.body).toContain('Outbox test');
    expect(one.body).toContain('List-Unsubscribe');
    expect(one.body).toMatch(/Return path<\/dt><dd><code>&lt;alpha-bounces\+/);
  });

  it('refuses names that leave the outbox folder or are not messages', async () => {
    const dir = outboxDir(ctx.config.dataDir);
    writeFileSync(path.join(path.dirname(dir), 'secret.eml'), 'secret');
    writeFileSync(path.join(dir, '.hidden.eml'), 'hidden');
    for (const name of ['..%2Fsecret.eml', '%2E%2E%2Fsecret.eml', '.hidden.eml', 'secret.key', '..']) {
      const res = await get(app, s.admin, `/admin/mail/outbox/${name}`);
      expect(res.statusCode, name).toBe(404);
      expect(res.body).not.toContain('secret</pre>');
    }
  });
});
