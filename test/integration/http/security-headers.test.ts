// Every answer carries the content security policy (frame-ancestors 'none') and X-Frame-Options DENY: every
// GET route the app registers, signed in and anonymous, public pages, JSON, static files, and the error
// answers (404, a refused form, a URL the router cannot decode, a rate limit).
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../src/http/plugins/errors.js';
import { createTestContext, type TestContext } from '../../helpers/context.js';
import { setUp, type Fixture } from './hostile-input.js';

let ctx: TestContext;
let f: Fixture;
let app: FastifyInstance;

beforeAll(async () => {
  ctx = await createTestContext();
  f = await setUp(ctx);
  app = f.app;
});
afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

function fill(url: string): string {
  return url
    .replace(/:(\w+)/g, (_m, name: string) => (name === 'token' ? f.tokens[/^\/s\/(\w+)\//.exec(url)?.[1] ?? ''] : f.params[name]) ?? '1')
    .replace(/\*$/, f.params['*']);
}

function problems(what: string, res: { statusCode: number; headers: Record<string, unknown> }): string[] {
  const out: string[] = [];
  const csp = String(res.headers['content-security-policy'] ?? '');
  if (!csp.includes("frame-ancestors 'none'") || !csp.includes("script-src 'self'") || !csp.includes("default-src 'self'")) {
    out.push(`${what} -> ${res.statusCode}: content-security-policy "${csp}"`);
  }
  if (res.headers['x-frame-options'] !== 'DENY') out.push(`${what} -> ${res.statusCode}: x-frame-options ${String(res.headers['x-frame-options'])}`);
  if (res.headers['x-content-type-options'] !== 'nosniff') out.push(`${what} -> ${res.statusCode}: x-content-type-options`);
  return out;
}

describe('security headers', () => {
  it('allows no inline script or style and no framing', () => {
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/frame-ancestors 'none'/);
  });

  it('are on every GET route, signed in as a site admin and anonymous', async () => {
    const failures: string[] = [];
    const gets = app.routeTable.filter((r) => r.method === 'GET');
    expect(gets.length).toBeGreaterThan(35);
    for (const r of gets) {
      const url = fill(r.url);
      for (const cookie of [f.session.cookie, undefined]) {
        const res = await app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
        failures.push(...problems(`GET ${url}${cookie ? '' : ' (anonymous)'}`, res));
      }
    }
    expect(failures).toEqual([]);
  });

  it('are on every kind of error answer', async () => {
    const cases: { what: string; req: InjectOptions }[] = [
      { what: 'unknown page', req: { method: 'GET', url: '/no/such/page' } },
      { what: 'unknown API path', req: { method: 'GET', url: '/api/nothing', headers: { accept: 'application/json' } } },
      { what: 'undecodable URL', req: { method: 'GET', url: '/admin/lists/%E0%A4%A' } },
      { what: 'path segment too long', req: { method: 'GET', url: `/subscribe/${'a'.repeat(500)}` } },
      { what: 'bad path param', req: { method: 'GET', url: '/subscribe/Bad%20Name' } },
      { what: 'forged signed link', req: { method: 'GET', url: '/s/unsubscribe/u.1.1.20990101.AAAAAAAAAAAAAAAAAAAAAA' } },
      { what: 'CSRF refusal', req: { method: 'POST', url: '/admin/lists', headers: { cookie: f.session.cookie }, payload: {} } },
      { what: 'schema refusal', req: { method: 'POST', url: '/admin/lists', headers: { cookie: f.session.cookie, 'x-csrf-token': f.session.csrfToken }, payload: { name: 'a\u0000' } } },
      { what: 'malformed JSON', req: { method: 'POST', url: `/api/lists/${f.params.listId}/posts`, headers: { cookie: f.session.cookie, 'x-csrf-token': f.session.csrfToken, 'content-type': 'application/json' }, payload: '{' } },
      { what: 'static file', req: { method: 'GET', url: '/static/app.css' } },
      { what: 'health', req: { method: 'GET', url: '/healthz' } },
    ];
    const failures: string[] = [];
    for (const c of cases) failures.push(...problems(c.what, await app.inject(c.req)));
    // The public form's rate limit answers with its own page.
    let limited;
    for (let i = 0; i < 12; i++) limited = await app.inject({ method: 'POST', url: '/subscribe/alpha', remoteAddress: '192.0.2.9', payload: {} });
    expect(limited?.statusCode).toBe(429);
    failures.push(...problems('rate limit', limited!));
    expect(failures).toEqual([]);
  });
});
