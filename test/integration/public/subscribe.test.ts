// Public subscribe and "manage my subscriptions" forms on real PostgreSQL: double opt-in, answers that never
// reveal whether an address is subscribed, CSRF, rate limits.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { linkUrl } from '../../../src/links/index.js';
import { RESEND_AFTER_MINUTES } from '../../../src/members/subscribe-requests.js';
import { renderNotice } from '../../../src/notices/render.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';

let ctx: TestContext;
let app: FastifyInstance;
let listId: number;
let ipCounter = 1;

/** Each call comes from its own client address so the per-IP limit only bites where a test wants it. */
function freshIp(): string {
  ipCounter++;
  return `10.0.${Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
}

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const c = res.headers['set-cookie'];
  const all = Array.isArray(c) ? c : c ? [String(c)] : [];
  return all.map((x: string) => x.split(';')[0]).join('; ');
}

async function openForm(url: string, ip: string): Promise<{ cookie: string; csrf: string }> {
  const res = await app.inject({ method: 'GET', url, remoteAddress: ip });
  expect(res.statusCode).toBe(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)![1];
  return { cookie: cookieOf(res), csrf };
}

async function submit(url: string, fields: Record<string, string>, opts: { ip?: string; token?: boolean } = {}) {
  const ip = opts.ip ?? freshIp();
  const f = await openForm(url, ip);
  return app.inject({
    method: 'POST',
    url,
    remoteAddress: ip,
    headers: { cookie: f.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...(opts.token === false ? {} : { _csrf: f.csrf }), ...fields }).toString(),
  });
}

/** The page without what legitimately varies per response (the form token). */
function visible(body: string): string {
  return body.replace(/name="_csrf" value="[^"]*"/g, '');
}

async function member(address: string) {
  return ctx.db.selectFrom('members').selectAll().where('list_id', '=', listId).where('address', '=', address).executeTakeFirst();
}

async function notices(address: string) {
  return ctx.db.selectFrom('notices').select(['type', 'member_id', 'list_id', 'status']).where('to_address', '=', address).orderBy('id').execute();
}

// Generous: sign-ins (scrypt), fixtures and services are slow when the whole suite runs in parallel.
beforeAll(async () => {
  ctx = await createTestContext();
  app = await buildApp(ctx);
  await app.ready();
  listId = (await ctx.db.insertInto('lists').values({ name: 'news', display_name: 'The News', description: 'Monthly news' }).returning('id').executeTakeFirstOrThrow()).id;
  await ctx.db
    .insertInto('members')
    .values([
      { list_id: listId, address: 'on@example.org', status: 'enabled' },
      { list_id: listId, address: 'left@example.org', status: 'unsubscribed' },
      { list_id: listId, address: 'bouncy@example.org', status: 'disabled_by_bounce', score: 5 },
    ])
    .execute();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('subscribe form', () => {
  it('shows the list and a form with a CSRF token', async () => {
    const res = await app.inject({ method: 'GET', url: '/subscribe/news' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Subscribe to The News');
    expect(res.body).toContain('Monthly news');
    expect(res.body).toMatch(/<label for="email">/);
    expect(res.body).toMatch(/name="_csrf" value="[A-Za-z0-9_-]{20,}"/);
  });

  it('answers 404 for an unknown or malformed list name', async () => {
    expect((await app.inject({ method: 'GET', url: '/subscribe/nosuchlist' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/subscribe/Bad%20Name' })).statusCode).toBe(400);
  });

  it('makes a new address a pending member and queues one confirm notice', async () => {
    const res = await submit('/subscribe/news', { email: '  New.Person@Example.ORG ', name: 'New Person' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Check your inbox');
    const m = await member('new.person@example.org');
    expect(m).toMatchObject({ status: 'pending', display_name: 'New Person', score: 0 });
    expect(await notices('new.person@example.org')).toEqual([{ type: 'confirm', member_id: m!.id, list_id: listId, status: 'queued' }]);
    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('member_id', '=', m!.id).execute();
    expect(audit.map((a) => [a.action, a.actor_type, a.actor_label])).toEqual([['member.subscribe_requested', 'member', 'new.person@example.org']]);
  });

  it('mails nothing more when asked again within the resend window, and re-arms after it', async () => {
    await submit('/subscribe/news', { email: 'again@example.org' });
    const second = await submit('/subscribe/news', { email: 'again@example.org' });
    expect(second.statusCode).toBe(200);
    expect(await notices('again@example.org')).toHaveLength(1);
    ctx.clock.set(new Date(ctx.clock.now().getTime() + (RESEND_AFTER_MINUTES + 1) * 60_000));
    await submit('/subscribe/news', { email: 'again@example.org' });
    expect((await notices('again@example.org')).map((n) => n.type)).toEqual(['confirm', 'confirm']);
    expect((await member('again@example.org'))!.status).toBe('pending');
  });

  it('answers every address the same, whether new, subscribed, unsubscribed or disabled', async () => {
    const bodies = [];
    for (const email of ['fresh@example.org', 'on@example.org', 'left@example.org', 'bouncy@example.org']) {
      const res = await submit('/subscribe/news', { email });
      expect(res.statusCode).toBe(200);
      bodies.push(visible(res.body));
    }
    expect(new Set(bodies).size).toBe(1);
    // What differs is only the mail the address itself gets.
    expect((await notices('on@example.org')).map((n) => n.type)).toEqual(['manage']);
    expect((await notices('bouncy@example.org')).map((n) => n.type)).toEqual(['manage']);
    expect((await notices('left@example.org')).map((n) => n.type)).toEqual(['confirm']);
    // Statuses stay as they were until the address confirms.
    expect((await member('on@example.org'))!.status).toBe('enabled');
    expect((await member('left@example.org'))!.status).toBe('unsubscribed');
    expect((await member('bouncy@example.org'))!.status).toBe('disabled_by_bounce');
  });

  it('explains an invalid address and keeps what was typed', async () => {
    const res = await submit('/subscribe/news', { email: 'not an address', name: 'Zed' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Enter a valid email address, like name@example.org.');
    expect(res.body).toContain('value="not an address"');
    expect(res.body).toContain('aria-invalid="true"');
  });

  it('refuses a post without the form token, creating nothing', async () => {
    const res = await submit('/subscribe/news', { email: 'forged@example.org' }, { token: false });
    expect(res.statusCode).toBe(403);
    expect(await member('forged@example.org')).toBeUndefined();
    const other = await app.inject({
      method: 'POST',
      url: '/subscribe/news',
      remoteAddress: freshIp(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=forged2%40example.org&_csrf=made-up-token',
    });
    expect(other.statusCode).toBe(403);
    expect(await member('forged2@example.org')).toBeUndefined();
  });

  it('answers a bot filling the hidden field as usual but mails nothing', async () => {
    const res = await submit('/subscribe/news', { email: 'bot@example.org', website: 'http://spam.example' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Check your inbox');
    expect(await member('bot@example.org')).toBeUndefined();
  });

  it('limits one client to 10 requests in 10 minutes', async () => {
    const ip = freshIp();
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) codes.push((await submit('/subscribe/news', { email: `flood${i}@example.org` }, { ip })).statusCode);
    expect(codes.slice(0, 10).every((c) => c === 200)).toBe(true);
    expect(codes[10]).toBe(429);
    const refused = await submit('/subscribe/news', { email: 'flood11@example.org' }, { ip });
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.body).toContain('Too many requests from your address. Wait a few minutes and try again.');
    expect(await member('flood10@example.org')).toBeUndefined();
  });
});

describe('manage my subscriptions', () => {
  it('mails a manage link to a known address and nothing to an unknown one, answering the same', async () => {
    const known = await submit('/subscriptions', { email: 'on@example.org' });
    const unknown = await submit('/subscriptions', { email: 'stranger@example.org' });
    expect(known.statusCode).toBe(200);
    expect(unknown.statusCode).toBe(200);
    expect(visible(known.body)).toBe(visible(unknown.body));
    expect(known.body).toContain('Check your inbox');
    const sent = await notices('on@example.org');
    expect(sent.filter((n) => n.type === 'manage').length).toBeGreaterThanOrEqual(1);
    expect(await notices('stranger@example.org')).toEqual([]);
  });

  it('does not mail the same address twice within the resend window', async () => {
    await submit('/subscriptions', { email: 'left@example.org' });
    await submit('/subscriptions', { email: 'left@example.org' });
    expect((await notices('left@example.org')).filter((n) => n.type === 'manage')).toHaveLength(1);
  });

  it('explains an invalid address and refuses a forged post', async () => {
    const bad = await submit('/subscriptions', { email: 'nope' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Enter a valid email address');
    const forged = await submit('/subscriptions', { email: 'on@example.org' }, { token: false });
    expect(forged.statusCode).toBe(403);
  });

  it('mails a link that opens the page of every list of the address', async () => {
    const other = (await ctx.db.insertInto('lists').values({ name: 'events', display_name: 'Events' }).returning('id').executeTakeFirstOrThrow()).id;
    await ctx.db.insertInto('members').values({ list_id: other, address: 'two@example.org', status: 'disabled_by_bounce', score: 5 }).execute();
    await ctx.db.insertInto('members').values({ list_id: listId, address: 'two@example.org' }).execute();
    await submit('/subscriptions', { email: 'Two@Example.org' });
    const notice = await ctx.db.selectFrom('notices').selectAll().where('to_address', '=', 'two@example.org').executeTakeFirstOrThrow();
    expect(notice.type).toBe('manage');
    const rendered = await renderNotice(ctx.db, ctx.config, { ...notice, payload: notice.payload as Record<string, unknown> }, ctx.clock.today());
    if (!rendered.ok) throw new Error(rendered.error);
    const link = /https?:\/\/\S+\/s\/manage\/[A-Za-z0-9._-]+/.exec(rendered.notice.text)![0];
    const page = await app.inject({ method: 'GET', url: new URL(link).pathname });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('two@example.org');
    expect(page.body).toContain('The News');
    expect(page.body).toContain('Events');
    expect(page.body).toContain('delivery paused after bounces');
  });
});

describe('double opt-in with the confirm link', () => {
  it('takes a new address from the form through its confirm mail to an enabled member', async () => {
    await submit('/subscribe/news', { email: 'newcomer@example.org' });
    const notice = await ctx.db.selectFrom('notices').selectAll().where('to_address', '=', 'newcomer@example.org').executeTakeFirstOrThrow();
    const rendered = await renderNotice(ctx.db, ctx.config, { ...notice, payload: notice.payload as Record<string, unknown> }, ctx.clock.today());
    if (!rendered.ok) throw new Error(rendered.error);
    expect(rendered.notice.subject).toBe('Confirm your subscription to The News');
    const path = new URL(/https?:\/\/\S+\/s\/confirm\/[A-Za-z0-9._-]+/.exec(rendered.notice.text)![0]).pathname;
    // Opening the link changes nothing; the button's POST confirms.
    expect((await app.inject({ method: 'GET', url: path })).statusCode).toBe(200);
    expect((await member('newcomer@example.org'))!.status).toBe('pending');
    const done = await app.inject({ method: 'POST', url: path });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Subscription confirmed');
    expect(await member('newcomer@example.org')).toMatchObject({ status: 'enabled', score: 0 });
  });
});

describe('confirm links work once', () => {
  /** The confirm link of each confirm mail queued for the address, oldest first, as the mail shows it. */
  async function confirmPaths(address: string): Promise<string[]> {
    const rows = await ctx.db.selectFrom('notices').selectAll().where('to_address', '=', address).where('type', '=', 'confirm').orderBy('id').execute();
    const out: string[] = [];
    for (const n of rows) {
      const rendered = await renderNotice(ctx.db, ctx.config, { ...n, payload: n.payload as Record<string, unknown> }, ctx.clock.today());
      if (!rendered.ok) throw new Error(rendered.error);
      out.push(new URL(/https?:\/\/\S+\/s\/confirm\/[A-Za-z0-9._-]+/.exec(rendered.notice.text)![0]).pathname);
    }
    return out;
  }
  const welcomes = async (address: string) =>
    (await ctx.db.selectFrom('notices').select('id').where('to_address', '=', address).where('type', '=', 'welcome').execute()).length;
  async function unsubscribeByLink(address: string) {
    const m = (await member(address))!;
    const url = new URL(linkUrl(ctx.config, 'unsubscribe', m.id, listId, ctx.clock.today())).pathname;
    expect((await app.inject({ method: 'POST', url })).statusCode).toBe(200);
    expect((await member(address))!.status).toBe('unsubscribed');
  }

  it('replaying a used confirm link after unsubscribing changes nothing and says where to sign up', async () => {
    const address = 'replay@example.org';
    await submit('/subscribe/news', { email: address });
    const [link] = await confirmPaths(address);
    expect((await app.inject({ method: 'POST', url: link })).body).toContain('Subscription confirmed');
    expect((await member(address))!.status).toBe('enabled');
    expect(await welcomes(address)).toBe(1);
    await unsubscribeByLink(address);

    const page = await app.inject({ method: 'GET', url: link });
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('This link has already been used');
    expect(page.body).toContain('To subscribe again, use the <a href="/subscribe/news">sign-up page</a>');
    expect(page.body).not.toContain('Confirm my subscription');
    for (let i = 0; i < 3; i++) {
      const again = await app.inject({ method: 'POST', url: link });
      expect(again.statusCode).toBe(410);
      expect(again.body).toContain('This link has already been used');
    }
    expect((await member(address))!.status).toBe('unsubscribed');
    expect(await welcomes(address)).toBe(1);

    // Signing up again through the form sends a new link, which works (once).
    ctx.clock.set(new Date(ctx.clock.now().getTime() + (RESEND_AFTER_MINUTES + 1) * 60_000));
    await submit('/subscribe/news', { email: address });
    const links = await confirmPaths(address);
    expect(links).toHaveLength(2);
    expect((await app.inject({ method: 'POST', url: links[1] })).body).toContain('Subscription confirmed');
    expect((await member(address))!.status).toBe('enabled');
    expect(await welcomes(address)).toBe(2);
  });

  it('using one confirm mail spends the older ones too', async () => {
    const address = 'two-mails@example.org';
    await submit('/subscribe/news', { email: address });
    ctx.clock.set(new Date(ctx.clock.now().getTime() + (RESEND_AFTER_MINUTES + 1) * 60_000));
    await submit('/subscribe/news', { email: address });
    const [older, newer] = await confirmPaths(address);
    expect((await app.inject({ method: 'POST', url: newer })).statusCode).toBe(200);
    await unsubscribeByLink(address);
    const res = await app.inject({ method: 'POST', url: older });
    expect(res.statusCode).toBe(410);
    expect((await member(address))!.status).toBe('unsubscribed');
    expect(await welcomes(address)).toBe(1);
  });

  it('two clicks at once confirm once and send one welcome', async () => {
    const address = 'double-click@example.org';
    await submit('/subscribe/news', { email: address });
    const [link] = await confirmPaths(address);
    const answers = await Promise.all([1, 2, 3].map(() => app.inject({ method: 'POST', url: link })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 410, 410]);
    expect(await welcomes(address)).toBe(1);
  });
});
