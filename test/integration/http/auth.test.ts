import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { createStaffUser, csrfFrom, signIn, TEST_PASSWORD } from './staff-session.js';

let ctx: TestContext;
let app: FastifyInstance;

beforeAll(async () => {
  ctx = await createTestContext();
  app = await buildApp(ctx);
  await app.ready();
  await createStaffUser(ctx.db, 'admin@example.test', 'site_admin');
});
afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('staff sign-in', () => {
  it('redirects an anonymous visitor of a staff page to the login form', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fadmin');
  });

  it('signs in with the right password, shows the user, and signs out', async () => {
    const s = await signIn(app, 'admin@example.test');
    const page = await app.inject({ method: 'GET', url: '/admin', headers: { cookie: s.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('admin@example.test');
    const out = await app.inject({ method: 'POST', url: '/logout', headers: { cookie: s.cookie }, payload: { _csrf: s.csrfToken } });
    expect(out.statusCode).toBe(303);
    const after = await app.inject({ method: 'GET', url: '/admin', headers: { cookie: s.cookie } });
    expect(after.statusCode).toBe(303);
    expect(await ctx.db.selectFrom('sessions').selectAll().execute()).toHaveLength(0);
  });

  it('refuses a wrong password without saying which part was wrong', async () => {
    await expect(signIn(app, 'admin@example.test', 'wrong password')).rejects.toThrow(/401.*Wrong email address or password/s);
    await expect(signIn(app, 'nobody@example.test')).rejects.toThrow(/401/);
  });

  it('refuses a login post without the login form token', async () => {
    const res = await app.inject({ method: 'POST', url: '/login', payload: { email: 'admin@example.test', password: TEST_PASSWORD } });
    expect(res.statusCode).toBe(403);
  });

  it('rate-limits repeated sign-in attempts for one address', async () => {
    await createStaffUser(ctx.db, 'target@example.test', 'list_admin');
    const form = await app.inject({ method: 'GET', url: '/login' });
    const cookie = String(form.headers['set-cookie']).split(';')[0];
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/login',
        headers: { cookie },
        payload: { email: 'target@example.test', password: `guess-${i}`, _csrf: csrfFrom(form.body) },
      });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
    expect(codes.slice(10)).toEqual([429, 429]);
    // Another address from the same client is not locked out.
    await expect(signIn(app, 'admin@example.test')).resolves.toBeTruthy();
  });

  it('a deactivated account loses its session at once', async () => {
    const id = await createStaffUser(ctx.db, 'gone@example.test', 'service_desk');
    const s = await signIn(app, 'gone@example.test');
    await ctx.db.updateTable('staff_users').set({ active: false }).where('id', '=', id).execute();
    const res = await app.inject({ method: 'GET', url: '/admin', headers: { cookie: s.cookie } });
    expect(res.statusCode).toBe(303);
  });
});

describe('CSRF', () => {
  it('refuses an unsafe staff request without the token, or with another session\'s token', async () => {
    const a = await signIn(app, 'admin@example.test');
    await createStaffUser(ctx.db, 'other@example.test', 'site_admin');
    const b = await signIn(app, 'other@example.test');
    const none = await app.inject({ method: 'POST', url: '/account/password', headers: { cookie: a.cookie }, payload: {} });
    expect(none.statusCode).toBe(403);
    expect(none.body).toContain('This form has expired');
    const foreign = await app.inject({
      method: 'POST',
      url: '/account/password',
      headers: { cookie: a.cookie },
      payload: { _csrf: b.csrfToken, current: TEST_PASSWORD, password: 'a new password!', confirm: 'a new password!' },
    });
    expect(foreign.statusCode).toBe(403);
    const header = await app.inject({
      method: 'POST',
      url: '/account/password',
      headers: { cookie: a.cookie, 'x-csrf-token': a.csrfToken },
      payload: { current: 'wrong', password: 'a new password!', confirm: 'a new password!' },
    });
    expect(header.statusCode).toBe(400);
    expect(header.body).toContain('The current password is wrong');
  });
});

describe('password change', () => {
  it('forces a first password change, then lets the user in with the new one', async () => {
    await createStaffUser(ctx.db, 'new@example.test', 'list_admin', { mustChangePassword: true });
    const s = await signIn(app, 'new@example.test');
    const blocked = await app.inject({ method: 'GET', url: '/admin', headers: { cookie: s.cookie } });
    expect(blocked.statusCode).toBe(303);
    expect(blocked.headers.location).toBe('/account/password');
    const short = await app.inject({
      method: 'POST',
      url: '/account/password',
      headers: { cookie: s.cookie },
      payload: { _csrf: s.csrfToken, current: TEST_PASSWORD, password: 'short', confirm: 'short' },
    });
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('at least 10 characters');
    const ok = await app.inject({
      method: 'POST',
      url: '/account/password',
      headers: { cookie: s.cookie },
      payload: { _csrf: s.csrfToken, current: TEST_PASSWORD, password: 'my own password', confirm: 'my own password' },
    });
    expect(ok.statusCode).toBe(303);
    const open = await app.inject({ method: 'GET', url: '/admin', headers: { cookie: s.cookie } });
    expect(open.statusCode).toBe(200);
    await expect(signIn(app, 'new@example.test', 'my own password')).resolves.toBeTruthy();
    const audit = await ctx.db.selectFrom('audit_log').select('action').where('action', '=', 'staff.password_changed').execute();
    expect(audit).toHaveLength(1);
  });
});

describe('sign-in limit per client address (password spraying)', () => {
  /** One try at each of `n` accounts from one client, with the login form's own token; the status codes. */
  async function spray(target: FastifyInstance, n: number, opts: { remoteAddress: string; forwardedFor?: (i: number) => string }) {
    const form = await target.inject({ method: 'GET', url: '/login', remoteAddress: opts.remoteAddress });
    const cookie = String(form.headers['set-cookie']).split(';')[0];
    const codes: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await target.inject({
        method: 'POST',
        url: '/login',
        remoteAddress: opts.remoteAddress,
        headers: { cookie, ...(opts.forwardedFor ? { 'x-forwarded-for': opts.forwardedFor(i) } : {}) },
        payload: { email: `sprayed-${i}@example.test`, password: 'Summer2026!', _csrf: csrfFrom(form.body) },
      });
      codes.push(res.statusCode);
      if (res.statusCode === 429) expect(res.body).toContain('Too many sign-in attempts');
    }
    return codes;
  }

  it('limits one client address trying 30 accounts, and only that address', async () => {
    const codes = await spray(app, 30, { remoteAddress: '198.51.100.7' });
    expect(codes.slice(0, 25).every((c) => c === 401)).toBe(true);
    expect(codes.slice(25)).toEqual([429, 429, 429, 429, 429]);
    // Even the right password waits now from that address; other addresses are not affected.
    const form = await app.inject({ method: 'GET', url: '/login', remoteAddress: '198.51.100.7' });
    const blocked = await app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: '198.51.100.7',
      headers: { cookie: String(form.headers['set-cookie']).split(';')[0] },
      payload: { email: 'admin@example.test', password: TEST_PASSWORD, _csrf: csrfFrom(form.body) },
    });
    expect(blocked.statusCode).toBe(429);
    await expect(signIn(app, 'admin@example.test')).resolves.toBeTruthy();
  });

  it('without TRUST_PROXY, a made-up X-Forwarded-For does not escape the limit', async () => {
    const codes = await spray(app, 30, { remoteAddress: '198.51.100.8', forwardedFor: (i) => `203.0.113.${i}` });
    expect(codes.slice(25)).toEqual([429, 429, 429, 429, 429]);
  });

  it('behind a trusted proxy, the limit is per forwarded client address', async () => {
    const proxied = await buildApp({ ...ctx, config: { ...ctx.config, trustProxy: true } });
    try {
      const codes = await spray(proxied, 30, { remoteAddress: '127.0.0.1', forwardedFor: () => '203.0.113.50' });
      expect(codes.slice(25)).toEqual([429, 429, 429, 429, 429]);
      const others = await spray(proxied, 3, { remoteAddress: '127.0.0.1', forwardedFor: (i) => `203.0.113.${100 + i}` });
      expect(others).toEqual([401, 401, 401]);
    } finally {
      await proxied.close();
    }
  });
});
