// A post to 200 members through a real SMTP server (npm smtp-server sink): most accept, some answer 452 once then
// accept on retry, some 550 at RCPT (hard bounce events). Headers checked on what arrived; one-click unsubscribe
// with a plain HTTP POST against the running app. On both engines.
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM } from '../../../src/audit.js';
import { decodeVerp, encodeVerp, parseTracking, TRACKING_HEADER } from '../../../src/bounce/verp.js';
import { buildApp } from '../../../src/http/app.js';
import { createPost, postProgress, startPost } from '../../../src/sending/posts.js';
import { Sender } from '../../../src/sending/worker.js';
import { ENGINES, createTestContext, type TestContext } from '../../helpers/context.js';
import { startSink, type Sink } from '../../helpers/mail.js';
import { createListWithMembers } from './fixtures.js';

const OK = 180;
const DEFER = 10;
const REJECT = 10;

describe.each(ENGINES)('a post to 200 members through SMTP on %s', (engine) => {
  let ctx: TestContext;
  let sink: Sink;
  let listId: number;
  let members: Map<string, number>;
  let postId: number;

  beforeAll(async () => {
    sink = await startSink({
      decide: (address, { attempt }) => {
        if (address.endsWith('@reject.example.test')) return 'reject';
        if (address.endsWith('@defer.example.test')) return attempt === 1 ? 'defer' : 'accept';
        return 'accept';
      },
    });
    ctx = await createTestContext({ engine, env: { SMTP_URL: sink.url, SMTP_MAX_CONNECTIONS: '4' } });
    const addresses = [
      ...Array.from({ length: OK }, (_, i) => `user${i}@ok.example.test`),
      ...Array.from({ length: DEFER }, (_, i) => `full${i}@defer.example.test`),
      ...Array.from({ length: REJECT }, (_, i) => `gone${i}@reject.example.test`),
    ];
    ({ listId, members } = await createListWithMembers(ctx.db, 'news', addresses, { displayName: 'News & Notes' }));
    // Not enabled: must get nothing.
    await ctx.db.updateTable('members').set({ status: 'unsubscribed' }).where('address', '=', 'user0@ok.example.test').execute();
    const created = await createPost(
      ctx.db,
      SYSTEM,
      { listId, subject: 'Issue {{listDisplayName}} #1', text: 'Hello {{address}}!\n\nLeave: {{unsubscribeUrl}}\n', html: '<p>Hello {{address}}</p>' },
      ctx.clock,
    );
    if (!created.ok) throw new Error(created.error);
    postId = created.postId;
  });

  afterAll(async () => {
    await sink?.close();
    await ctx?.close();
  });

  it('queues one delivery per enabled member and sends each once; 452s are retried, 550s become hard bounce events', async () => {
    const started = await startPost(ctx.db, SYSTEM, postId, ctx.clock);
    expect(started).toMatchObject({ ok: true, status: 'sending', total: 199 });

    const sender = new Sender(ctx, { batchSize: 50, lanes: 3 });
    try {
      await sender.drain();
      let p = await postProgress(ctx.db, postId);
      expect(p?.counts).toMatchObject({ sent: OK - 1, deferred: DEFER, bounced: REJECT, queued: 0, sending: 0 });
      expect(p?.status).toBe('sending');

      // Not due yet: nothing is retried before the backoff.
      await sender.drain();
      expect(sink.rcptLog.filter((r) => r.address.endsWith('@defer.example.test'))).toHaveLength(DEFER);

      ctx.clock.set(new Date(ctx.clock.now().getTime() + 61_000));
      await sender.drain();
      p = await postProgress(ctx.db, postId);
      expect(p?.counts).toMatchObject({ sent: OK - 1 + DEFER, deferred: 0, bounced: REJECT });
      expect(p?.status).toBe('sent');
      expect(p?.failures).toBe(REJECT);
    } finally {
      await sender.stop();
    }

    // Exactly one copy per accepting member, none to the unsubscribed one or the rejecting ones.
    const perRcpt = new Map<string, number>();
    for (const m of sink.messages) for (const r of m.rcptTo) perRcpt.set(r, (perRcpt.get(r) ?? 0) + 1);
    expect(perRcpt.size).toBe(OK - 1 + DEFER);
    expect([...perRcpt.values()].every((n) => n === 1)).toBe(true);
    expect(perRcpt.has('user0@ok.example.test')).toBe(false);

    const events = await ctx.db.selectFrom('bounce_events').selectAll().where('list_id', '=', listId).execute();
    expect(events).toHaveLength(REJECT);
    for (const e of events) {
      expect(e).toMatchObject({ source: 'smtp', kind: 'bounce', category: 'hard', reason: 'userunknown', status: '5.1.1' });
      expect(e.address).toMatch(/@reject\.example\.test$/);
      expect(e.delivery_id).not.toBeNull();
    }
    const gone = await ctx.db.selectFrom('members').select(['address', 'score']).where('address', 'like', 'gone%').execute();
    expect(gone.every((m) => m.score === 1)).toBe(true);
    const bounced = await ctx.db.selectFrom('deliveries').select(['bounce_category', 'last_error']).where('status', '=', 'bounced').execute();
    expect(bounced.every((d) => d.bounce_category === 'hard' && /^550 5\.1\.1/.test(d.last_error ?? ''))).toBe(true);
  });

  it('each message carries VERP, List-Id, List-Unsubscribe (https + mailto), one-click marker and a tracking header', async () => {
    const msg = sink.messages.find((m) => m.rcptTo[0] === 'user7@ok.example.test');
    expect(msg).toBeDefined();
    const memberId = members.get('user7@ok.example.test')!;
    const opts = { bounceDomain: ctx.config.bounceDomain, secret: ctx.config.secretKey };
    expect(msg!.mailFrom).toBe(encodeVerp('news', { address: 'user7@ok.example.test', memberId }, opts));
    expect(msg!.mailFrom).toBe('news-bounces+user7=ok.example.test@lists.example.test');
    expect(decodeVerp(msg!.mailFrom, opts)).toMatchObject({ listName: 'news', address: 'user7@ok.example.test' });

    const parsed = await simpleParser(msg!.raw);
    expect(parsed.subject).toBe('Issue News & Notes #1');
    expect(parsed.text).toContain('Hello user7@ok.example.test!');
    expect(parsed.html).toContain('<p>Hello user7@ok.example.test</p>');
    const h = (name: string) => {
      const line = parsed.headerLines.find((l) => l.key === name.toLowerCase());
      return line ? line.line.slice(line.line.indexOf(':') + 1).trim() : undefined;
    };
    expect(h('List-Id')).toBe('News & Notes <news.lists.example.test>');
    expect(h('List-Unsubscribe')).toMatch(/^<http:\/\/localhost:3000\/s\/unsubscribe\/[^>]+>, <mailto:news-unsubscribe\+\d+\.[0-9a-f]{16}@lists\.example\.test\?subject=unsubscribe>$/);
    expect(h('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const tracking = parseTracking(h(TRACKING_HEADER) ?? '', ctx.config.secretKey);
    const delivery = await ctx.db.selectFrom('deliveries').select(['id', 'message_id']).where('member_id', '=', memberId).executeTakeFirstOrThrow();
    expect(tracking).toEqual({ kind: 'post', id: delivery.id });
    expect(parsed.messageId).toBe(`<${delivery.message_id}>`);
  });

  it('one-click unsubscribe: a plain POST of List-Unsubscribe=One-Click to the header URL unsubscribes, and a forged one changes nothing', async () => {
    const app = await buildApp(ctx);
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const addr = app.server.address();
      if (addr === null || typeof addr === 'string') throw new Error('no address');
      const base = `http://127.0.0.1:${addr.port}`;
      const msg = sink.messages.find((m) => m.rcptTo[0] === 'user9@ok.example.test')!;
      const parsed = await simpleParser(msg.raw);
      const header = parsed.headerLines.find((l) => l.key === 'list-unsubscribe')!.line;
      const url = /<(https?:[^>]+)>/.exec(header)![1].replace(ctx.config.baseUrl, base);

      // A forged (altered) token: clear page, nothing changes.
      const forged = url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      const bad = await fetch(forged, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('Nothing was changed');
      const memberId = members.get('user9@ok.example.test')!;
      let m = await ctx.db.selectFrom('members').select('status').where('id', '=', memberId).executeTakeFirstOrThrow();
      expect(m.status).toBe('enabled');

      // GET only shows a button (link scanners must not unsubscribe anyone).
      const get = await fetch(url);
      expect(get.status).toBe(200);
      expect(await get.text()).toContain('<form method="post"');
      m = await ctx.db.selectFrom('members').select('status').where('id', '=', memberId).executeTakeFirstOrThrow();
      expect(m.status).toBe('enabled');

      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(200);
      m = await ctx.db.selectFrom('members').select('status').where('id', '=', memberId).executeTakeFirstOrThrow();
      expect(m.status).toBe('unsubscribed');
      const audit = await ctx.db.selectFrom('audit_log').select(['action', 'actor_type']).where('member_id', '=', memberId).execute();
      expect(audit).toContainEqual({ action: 'member.unsubscribed', actor_type: 'member' });
      // A second click answers the same (and reveals nothing).
      const again = await fetch(url, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
      expect(again.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
