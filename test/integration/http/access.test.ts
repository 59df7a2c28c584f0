// Every guarded route, tried by every role it forbids: the route list comes from the app itself, so a new
// route is covered the day it is added.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffRole } from '../../../src/db/schema.js';
import { buildApp } from '../../../src/http/app.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createStaffUser, signIn, type StaffSession } from './staff-session.js';

let ctx: TestContext;
let app: FastifyInstance;
const sessions: Record<string, StaffSession> = {};
const params: Record<string, string> = {};

beforeAll(async () => {
  ctx = await createTestContext();
  app = await buildApp(ctx);
  await app.ready();
  const listA = await ctx.db.insertInto('lists').values({ name: 'alpha', display_name: 'Alpha', threshold: 5, blocked_weight: 0 }).returning('id').executeTakeFirstOrThrow();
  const listB = await ctx.db.insertInto('lists').values({ name: 'beta', display_name: 'Beta', threshold: 5, blocked_weight: 0 }).returning('id').executeTakeFirstOrThrow();
  const member = await ctx.db.insertInto('members').values({ list_id: listA.id, address: 'm@example.org', score: 0, last_bounce_increment: 0 }).returning('id').executeTakeFirstOrThrow();
  const siteAdmin = await createStaffUser(ctx.db, 'site@example.test', 'site_admin');
  await createStaffUser(ctx.db, 'desk@example.test', 'service_desk');
  await createStaffUser(ctx.db, 'owner-a@example.test', 'list_admin', { listIds: [listA.id] });
  await createStaffUser(ctx.db, 'owner-b@example.test', 'list_admin', { listIds: [listB.id] });
  for (const [k, email] of Object.entries({
    site_admin: 'site@example.test',
    service_desk: 'desk@example.test',
    list_admin: 'owner-a@example.test',
    other_list_admin: 'owner-b@example.test',
  })) {
    sessions[k] = await signIn(app, email);
  }
  Object.assign(params, {
    listId: String(listA.id),
    memberId: String(member.id),
    userId: String(siteAdmin),
    eventId: '1',
    importId: '1',
    action: 'reenable',
    postId: '1',
    id: '1',
  });
});
afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

function fill(url: string): string {
  return url.replace(/:(\w+)/g, (_m, name: string) => params[name] ?? '1').replace(/\*$/, 'x');
}

async function call(method: string, url: string, session: StaffSession | null, withCsrf = true) {
  return app.inject({
    method: method as 'GET',
    url: fill(url),
    headers: session ? { cookie: session.cookie, ...(withCsrf ? { 'x-csrf-token': session.csrfToken } : {}) } : {},
    ...(method === 'GET' || method === 'HEAD' ? {} : { payload: {} }),
  });
}

describe('role enforcement on every staff route', () => {
  it('knows the app’s staff routes', () => {
    const urls = app.staffRoutes.map((r) => `${r.method} ${r.url}`);
    expect(urls).toContain('GET /admin');
    expect(urls).toContain('GET /admin/lists/:listId');
    expect(urls).toContain('POST /admin/lists/:listId/members/:memberId/actions/:action');
    expect(urls).toContain('POST /admin/staff');
    expect(app.staffRoutes.length).toBeGreaterThan(15);
  });

  it('sends anonymous visitors to the login page, or refuses them', async () => {
    const failures: string[] = [];
    for (const r of app.staffRoutes) {
      const res = await call(r.method, r.url, null);
      const ok = r.method === 'GET' || r.method === 'HEAD' ? res.statusCode === 303 && String(res.headers.location).startsWith('/login') : res.statusCode === 401;
      if (!ok) failures.push(`${r.method} ${r.url} -> ${res.statusCode}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 to each role a route does not allow', async () => {
    const failures: string[] = [];
    let tried = 0;
    for (const r of app.staffRoutes) {
      for (const role of ['site_admin', 'service_desk', 'list_admin'] as StaffRole[]) {
        if (r.access.roles.includes(role)) continue;
        tried++;
        const res = await call(r.method, r.url, sessions[role]);
        if (res.statusCode !== 403) failures.push(`${role}: ${r.method} ${r.url} -> ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
    expect(tried).toBeGreaterThan(10);
  });

  it('answers 403 to a list admin on a list that is not theirs', async () => {
    const failures: string[] = [];
    for (const r of app.staffRoutes.filter((x) => x.access.list && x.access.roles.includes('list_admin'))) {
      const res = await call(r.method, r.url, sessions.other_list_admin);
      if (res.statusCode !== 403) failures.push(`${r.method} ${r.url} -> ${res.statusCode}`);
    }
    expect(failures).toEqual([]);
  });

  it('lets each allowed role past the guard (no 401/403)', async () => {
    const failures: string[] = [];
    for (const r of app.staffRoutes.filter((x) => x.method === 'GET' && !x.access.passwordChange)) {
      for (const role of r.access.roles) {
        const res = await call(r.method, r.url, sessions[role]);
        if (res.statusCode === 401 || res.statusCode === 403) failures.push(`${role}: GET ${r.url} -> ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps the role rules of the issue: staff pages for site admins, desk pages not for list admins, posts not for the desk', () => {
    for (const r of app.staffRoutes) {
      if (r.url.startsWith('/admin/staff')) expect(r.access.roles, r.url).toEqual(['site_admin']);
      if (r.url.startsWith('/desk')) expect(r.access.roles, r.url).not.toContain('list_admin');
      if (/\/posts?(\/|$)/.test(r.url)) expect(r.access.roles, r.url).not.toContain('service_desk');
      // A list admin only ever reaches a list through the list-access check.
      if (r.url.includes(':listId') && r.access.roles.includes('list_admin')) expect(r.access.list, r.url).toBe('listId');
    }
  });
});

describe('CSRF refusal', () => {
  it('refuses every unsafe staff route without the session token, even for an allowed role', async () => {
    const failures: string[] = [];
    for (const r of app.staffRoutes.filter((x) => !['GET', 'HEAD'].includes(x.method))) {
      const role = r.access.roles[0];
      const res = await call(r.method, r.url, sessions[role], false);
      if (res.statusCode !== 403 || !res.body.includes('This form has expired')) failures.push(`${r.method} ${r.url} -> ${res.statusCode}`);
    }
    expect(failures).toEqual([]);
  });
});
