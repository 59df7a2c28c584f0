// The embedded default (no SMTP_URL): posts and notices become .eml files in DATA_DIR/outbox. Every notice type
// renders (text + HTML) with working signed links; the rate limit is honoured.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../../src/audit.js';
import type { NoticeType } from '../../../src/db/schema.js';
import { verifyLink } from '../../../src/links/index.js';
import { queueNotice } from '../../../src/notices/index.js';
import { createPost, startPost } from '../../../src/sending/posts.js';
import { outboxDir } from '../../../src/sending/transport.js';
import { Sender } from '../../../src/sending/worker.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createListWithMembers } from './fixtures.js';

const MEMBER_TYPES: NoticeType[] = ['confirm', 'welcome', 'unsubscribed', 'disabled', 'warning', 'removed', 'manage'];
const OWNER_TYPES: NoticeType[] = ['owner_disabled', 'owner_removed', 'owner_complaint', 'owner_reputation'];

async function outbox(ctx: TestContext): Promise<Array<{ name: string; mail: ParsedMail; raw: string }>> {
  const dir = outboxDir(ctx.config.dataDir);
  const names = readdirSync(dir).filter((n) => n.endsWith('.eml'));
  return Promise.all(
    names.map(async (name) => {
      const raw = readFileSync(path.join(dir, name), 'utf8');
      return { name, raw, mail: await simpleParser(raw) };
    }),
  );
}

describe('file outbox, notices and rate limit', () => {
  let ctx: TestContext;
  let listId: number;
  let members: Map<string, number>;

  beforeAll(async () => {
    ctx = await createTestContext();
    expect(ctx.config.smtpUrl).toBeNull();
    ({ listId, members } = await createListWithMembers(ctx.db, 'garden', ['rose@ok.example.test', 'tulip@ok.example.test'], {
      displayName: 'Garden Club',
      ownerAddress: 'owner@ok.example.test',
    }));
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('renders and writes every notice type as an .eml with text and HTML; member notices carry VERP and signed links', async () => {
    const rose = members.get('rose@ok.example.test')!;
    for (const type of MEMBER_TYPES) {
      await queueNotice(ctx.db, { type, listId, memberId: rose, to: 'rose@ok.example.test', payload: { warningsLeft: 2 }, now: ctx.clock.now() });
    }
    for (const type of OWNER_TYPES) {
      await queueNotice(ctx.db, {
        type,
        listId,
        memberId: rose,
        to: 'owner@ok.example.test',
        payload: { memberId: rose, listId, blocked: 12, date: ctx.clock.today(), examples: ['550 5.7.1 blocked using Spamhaus'] },
        now: ctx.clock.now(),
      });
    }
    // Queued twice with one dedupe key: one notice.
    expect(await queueNotice(ctx.db, { type: 'welcome', listId, to: 'x@ok.example.test', dedupeKey: 'k1', now: ctx.clock.now() })).not.toBeNull();
    expect(await queueNotice(ctx.db, { type: 'welcome', listId, to: 'x@ok.example.test', dedupeKey: 'k1', now: ctx.clock.now() })).toBeNull();

    const sender = new Sender(ctx);
    try {
      const r = await sender.drain();
      expect(r.notices).toBe(MEMBER_TYPES.length + OWNER_TYPES.length + 1);
    } finally {
      await sender.stop();
    }
    const notices = await ctx.db.selectFrom('notices').select(['type', 'status', 'last_error']).execute();
    expect(notices.filter((n) => n.status !== 'sent')).toEqual([]);

    const files = await outbox(ctx);
    expect(files).toHaveLength(MEMBER_TYPES.length + OWNER_TYPES.length + 1);
    for (const f of files) {
      expect(f.mail.subject, f.name).toBeTruthy();
      expect(f.mail.text, f.name).toBeTruthy();
      expect(f.mail.html, f.name).toContain('<p');
      expect(f.mail.headers.get('auto-submitted')).toBe('auto-generated');
    }
    const toRose = files.filter((f) => f.raw.includes('Delivered-To: rose@ok.example.test'));
    expect(toRose).toHaveLength(MEMBER_TYPES.length);
    for (const f of toRose) expect(f.raw).toMatch(/^Return-Path: <garden-bounces\+rose=ok\.example\.test@lists\.example\.test>/);

    const disabled = toRose.find((f) => f.mail.subject === 'Your delivery from Garden Club is paused')!;
    const token = /\/s\/reenable\/(\S+)/.exec(disabled.mail.text!)![1];
    expect(verifyLink(ctx.config, 'reenable', token, ctx.clock.today())).toMatchObject({ ok: true, memberId: rose, listId });
    const confirm = toRose.find((f) => f.mail.subject?.startsWith('Confirm your subscription'))!;
    expect(confirm.raw).not.toContain('List-Unsubscribe:'); // not subscribed yet: nothing to leave
    const reputation = files.find((f) => f.mail.subject?.includes('Sender reputation alarm'))!;
    expect(reputation.mail.text).toContain('refused 12 messages');
    expect(reputation.mail.text).toContain('550 5.7.1 blocked using Spamhaus');
  });

  it('a post goes to the outbox, one .eml per member, with List-* headers; the rate limit is honoured', async () => {
    const before = (await outbox(ctx)).length;
    const many = Array.from({ length: 30 }, (_, i) => `bee${i}@ok.example.test`);
    const { listId: hive } = await createListWithMembers(ctx.db, 'hive', many);
    const post = await createPost(ctx.db, SYSTEM, { listId: hive, subject: 'Buzz', text: 'Honey news', html: null }, ctx.clock);
    if (!post.ok) throw new Error(post.error);
    await startPost(ctx.db, SYSTEM, post.postId, ctx.clock);
    const sender = new Sender(ctx, { ratePerSecond: 20, lanes: 3, batchSize: 10 });
    const t0 = performance.now();
    try {
      await sender.drain();
    } finally {
      await sender.stop();
    }
    const elapsed = performance.now() - t0;
    // 30 messages at 20/s: the first goes at once, the 30th no earlier than 29/20 s later.
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    const files = (await outbox(ctx)).filter((f) => f.mail.subject === 'Buzz');
    expect(files).toHaveLength(30);
    expect((await outbox(ctx)).length - before).toBe(30);
    for (const f of files) {
      expect(f.raw).toContain('\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
      expect(f.raw).toContain('List-Id: The hive list <hive.lists.example.test>');
      expect(f.mail.text).toMatch(/Unsubscribe: http:\/\/localhost:3000\/s\/unsubscribe\//);
    }
  });
});
