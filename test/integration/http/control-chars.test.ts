// An address with a control character (CR, LF, NUL, any C0, DEL) — even inside a quoted local part, as in
// `"y\rSubject: injected"@example.org` — is refused by every door an address comes in by: the public subscribe and
// manage forms, adding a member, a CSV import (a refused row with its reason), staff accounts and list owners.
// Afterwards no such address is anywhere in the database. Through buildApp + inject on real PostgreSQL.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { dsn } from '../../unit/bounce/messages.js';
import { createStaffUser, signIn, type StaffSession } from './staff-session.js';

const HOSTILE = [
  '"y\rSubject: injected"@example.org',
  '"y\nBcc: victim@example.net"@example.org',
  '"y\r\nX-Evil: 1"@example.org',
  '"nul\u0000byte"@example.org',
  '"tab\there"@example.org',
  '"bell\u0007"@example.org',
  '"del\u007f"@example.org',
  'plain\u0001@example.org',
];

const INBOUND = 'inbound-token-0123456789-0123456789-0123';
let ctx: TestContext;
let app: FastifyInstance;
let admin: StaffSession;
let listId: number;
let ip = 1;

function post(s: StaffSession, url: string, payload: Record<string, unknown>) {
  return app.inject({ method: 'POST', url, headers: { cookie: s.cookie }, payload: { _csrf: s.csrfToken, ...payload } });
}

async function publicForm(url: string, fields: Record<string, string>) {
  const remoteAddress = `10.9.${Math.floor(++ip / 250)}.${ip % 250}`;
  const form = await app.inject({ method: 'GET', url, remoteAddress });
  const cookie = String(form.headers['set-cookie'] ?? '').split(';')[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1];
  return app.inject({
    method: 'POST',
    url,
    remoteAddress,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });
}

/** No stored address anywhere holds a control character. */
async function expectNothingStored(): Promise<void> {
  const { rows } = await sql<{ n: number }>`
    select (select count(*) from members where address ~ '[[:cntrl:]]')
         + (select count(*) from notices where to_address ~ '[[:cntrl:]]')
         + (select count(*) from staff_users where email ~ '[[:cntrl:]]')
         + (select count(*) from lists where owner_address ~ '[[:cntrl:]]') as n`.execute(ctx.db);
  expect(Number(rows[0].n)).toBe(0);
}

beforeAll(async () => {
  ctx = await createTestContext({ env: { INBOUND_TOKEN: INBOUND } });
  app = await buildApp(ctx);
  await app.ready();
  await createStaffUser(ctx.db, 'site@example.test', 'site_admin');
  admin = await signIn(app, 'site@example.test');
  listId = (await ctx.db.insertInto('lists').values({ name: 'news', display_name: 'News' }).returning('id').executeTakeFirstOrThrow()).id;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('addresses with control characters are refused at every door', () => {
  it.each(HOSTILE)('public subscribe and manage forms refuse %j', async (address) => {
    const res = await publicForm('/subscribe/news', { email: address, name: 'X' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Enter a valid email address');
    const manage = await publicForm('/subscriptions', { email: address });
    expect(manage.statusCode).toBe(400);
    await expectNothingStored();
    expect(await ctx.db.selectFrom('notices').select('id').execute()).toEqual([]);
  });

  it.each(HOSTILE)('adding a member refuses %j and says why', async (address) => {
    const res = await post(admin, `/admin/lists/${listId}/members`, { address });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/control character|is not a valid email address/);
    await expectNothingStored();
  });

  it('a CSV import refuses those rows with the reason and imports the rest', async () => {
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const csv = ['email,name', 'good@example.org,Good', ...HOSTILE.map((a) => `${quote(a)},Bad`), 'also.good@example.org,Fine'].join('\n');
    const boundary = '----lkctl';
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${admin.csrfToken}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`;
    const res = await app.inject({
      method: 'POST',
      url: `/admin/lists/${listId}/import`,
      headers: { cookie: admin.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    expect(res.statusCode).toBe(303);
    const url = String(res.headers.location);
    let st: { state: string; added?: number; refused?: number } = { state: 'running' };
    for (let i = 0; i < 200 && st.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      st = (await app.inject({ method: 'GET', url: `${url}/status`, headers: { cookie: admin.cookie } })).json();
    }
    expect(st).toMatchObject({ state: 'succeeded', added: 2, refused: HOSTILE.length });
    const job = await ctx.db.selectFrom('member_imports').select('refused').orderBy('id', 'desc').executeTakeFirstOrThrow();
    const refused = job.refused as Array<{ address: string; reason: string }>;
    expect(refused).toHaveLength(HOSTILE.length);
    for (const r of refused) {
      expect(r.reason).toMatch(/control character/);
      expect(r.address).not.toMatch(/[\u0000-\u001f\u007f]/); // shown escaped, never raw
    }
    const report = await app.inject({ method: 'GET', url, headers: { cookie: admin.cookie } });
    expect(report.body).toContain('The address contains a control character');
    await expectNothingStored();
  });

  it.each(HOSTILE)('staff accounts refuse %j', async (email) => {
    const res = await post(admin, '/admin/staff', { email, name: 'S', role: 'service_desk' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Enter a valid email address');
    await expectNothingStored();
  });

  it.each(HOSTILE)('list owner addresses refuse %j, on create and on edit', async (owner) => {
    const created = await post(admin, '/admin/lists', { name: `l${Math.random().toString(36).slice(2, 8)}`, display_name: 'L', owner_address: owner });
    expect(created.statusCode).toBe(400);
    expect(created.body).toContain('Enter a valid email address, or leave it empty');
    const edited = await post(admin, `/admin/lists/${listId}/edit`, { display_name: 'News', description: '', owner_address: owner });
    expect(edited.statusCode).toBe(400);
    await expectNothingStored();
  });

  it('a bounce through the API naming such a recipient records no such address', async () => {
    await ctx.db.insertInto('members').values({ list_id: listId, address: 'real@example.org' }).execute();
    const raw = dsn({
      recipients: [
        { address: '"y\u0001subject: injected"@example.org', action: 'failed', status: '5.1.1' },
        { address: 'real@example.org', action: 'failed', status: '5.1.1' },
      ],
    });
    const res = await app.inject({
      method: 'POST',
      url: '/api/inbound/raw',
      headers: { authorization: `Bearer ${INBOUND}`, 'content-type': 'message/rfc822' },
      payload: raw,
    });
    expect(res.statusCode).toBeLessThan(300);
    const events = await ctx.db.selectFrom('bounce_events').select('address').execute();
    expect(events.map((e) => e.address)).toContain('real@example.org');
    for (const e of events) expect(e.address).not.toMatch(/[\u0000-\u001f\u007f]/);
    await expectNothingStored();
  });

  it('ordinary addresses still go through every door', async () => {
    expect((await publicForm('/subscribe/news', { email: 'New.Person@Example.ORG' })).statusCode).toBe(200);
    expect((await post(admin, `/admin/lists/${listId}/members`, { address: 'added@example.org' })).statusCode).toBe(303);
    expect((await post(admin, '/admin/staff', { email: 'Desk@Example.org', name: 'D', role: 'service_desk' })).statusCode).toBe(200);
    expect((await post(admin, `/admin/lists/${listId}/edit`, { display_name: 'News', description: '', owner_address: 'Owner@Example.org' })).statusCode).toBe(303);
    const list = await ctx.db.selectFrom('lists').select('owner_address').where('id', '=', listId).executeTakeFirstOrThrow();
    expect(list.owner_address).toBe('owner@example.org');
    const staff = await ctx.db.selectFrom('staff_users').select('email').where('email', '=', 'desk@example.org').executeTakeFirst();
    expect(staff).toBeDefined();
  });
});
