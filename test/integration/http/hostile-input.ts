// A table of hostile values sent to every route the app registers (its own route table, so a new route is
// covered the day it is added): each path param, each query and body field of the route's schema, every field
// any route knows at once, and the whole body. Signed in as a site admin with the session's CSRF token (and the
// public forms' and login form's tokens), each from its own client address, so every request reaches its
// handler rather than a guard or a rate limit. Run on PostgreSQL and on PGlite by the two *.test.ts files.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../../src/http/app.js';
import { TEMPLATES_DIR } from '../../../src/http/view.js';
import { linkToken, type LinkAction } from '../../../src/links/index.js';
import { createPost } from '../../../src/sending/posts.js';
import type { TestContext } from '../../helpers/context.js';
import { createStaffUser, csrfFrom, signIn, type StaffSession } from './staff-session.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Each value is sent wherever text is expected; path params only take the strings. */
export const HOSTILE: { label: string; value: Json }[] = [
  // Names every JavaScript object has.
  ...['constructor', '__proto__', 'toString', 'hasOwnProperty'].map((v) => ({ label: v, value: v })),
  // What PostgreSQL refuses in text or JSON.
  { label: 'NUL', value: 'a\u0000b' },
  { label: 'lone surrogate', value: '\ud800' },
  // Not an id: past int4 and int8, negative, fractional, not finite, not a number, nothing.
  { label: '2^31', value: '2147483648' },
  { label: '2^63', value: '9223372036854775808' },
  { label: 'negative', value: '-1' },
  { label: 'float', value: '1.5' },
  { label: 'Infinity', value: 'Infinity' },
  { label: 'hex', value: '0x10' },
  { label: 'not a number', value: 'abc' },
  { label: 'unknown id', value: '999999999' },
  { label: 'empty', value: '' },
  // Sizes.
  { label: 'long', value: 'x'.repeat(3000) },
  { label: 'very long', value: 'y'.repeat(200_000) },
  // Text that must stay text.
  { label: 'SQL', value: "' or 1=1; drop table members; --" },
  { label: 'HTML', value: '<script>alert(1)</script>' },
  { label: 'CRLF', value: 'a\r\nSubject: injected' },
  { label: 'percent', value: '%' },
  { label: 'date out of calendar', value: '2026-02-31' },
  // Other types where text is expected.
  { label: 'array', value: ['a', 'b'] },
  { label: 'object', value: { a: { b: 'c' } } },
  { label: 'number', value: 12 },
  { label: 'true', value: true },
  { label: 'null', value: null },
];

/** In a path, what could pass for an id or a word, or break the URL; the other values are body and query matters. */
const PATH_VALUES = new Set([
  'constructor', '__proto__', 'toString', 'hasOwnProperty', 'NUL', 'lone surrogate', '2^31', '2^63', 'negative', 'float',
  'Infinity', 'hex', 'not a number', 'unknown id', 'long', 'percent', 'SQL',
]);

/** Runs the thunks, `limit` at a time (requests to one route overlap, as a browser's and a script's would). */
async function runAll(tasks: (() => Promise<unknown>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

const WHOLE_BODY = new Set(['NUL', 'lone surrogate', 'very long', 'array', 'object', 'number', 'null', 'constructor']);

/** Text that only an internal error would put in a body. */
const INTERNAL = [
  /invalid byte sequence/i,
  /violates/i,
  /\n\s+at \S+/, // a stack frame
  /\bat [\w.<>[\]]+ \(?[^)\s]*:\d+:\d+/,
  /\bError:/,
  /\b(TypeError|RangeError|ReferenceError|SyntaxError)\b/,
  /\bSQL\b/,
  /syntax error/i,
  /relation "/,
  /column "/,
  /duplicate key/i,
  /out of range/i,
  /invalid input (syntax|value)/i,
  /is not a function/,
  /Cannot read propert/,
  /node_modules/,
  /\.(ts|js):\d+/,
  /FST_[A-Z_]+/,
  /must match pattern|must NOT have|must be (integer|string|object|array)|must be equal to one of/,
  /\b(params|querystring|body)\/\w+/,
];

export interface HostileReport {
  requests: number;
  routes: number;
  failures: string[];
  /** The slowest routes, for whoever makes this test faster. */
  slowest: string[];
}

export interface Fixture {
  app: FastifyInstance;
  engine: 'postgres' | 'pglite';
  session: StaffSession;
  params: Record<string, string>;
  tokens: Record<string, string>;
  loginForm: { cookie: string; csrf: string };
  publicForm: { cookie: string; csrf: string };
  adminEmail: string;
}

function cookiesOf(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  const all = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  return all.map((c) => String(c).split(';')[0]).join('; ');
}

export const INBOUND_TOKEN = 'hostile-input-inbound-token-0123456789';

/** A list with a member, an event with its raw bounce, an import, a draft post, a victim staff account. */
export async function setUp(ctx: TestContext): Promise<Fixture> {
  const app = await buildApp({ ...ctx, config: { ...ctx.config, inboundToken: INBOUND_TOKEN } });
  await app.ready();
  const db = ctx.db;
  const list = await db.insertInto('lists').values({ name: 'alpha', display_name: 'Alpha', threshold: 5, blocked_weight: 0 }).returning('id').executeTakeFirstOrThrow();
  const member = await db.insertInto('members').values({ list_id: list.id, address: 'm@example.org', status: 'pending' }).returning('id').executeTakeFirstOrThrow();
  const raw = Buffer.from('From: MAILER-DAEMON@example.org\r\nSubject: Undelivered\r\n\r\n550 5.1.1 unknown\r\n');
  const inbound = await db
    .insertInto('inbound_messages')
    .values({ source: 'imap', content_hash: 'hostile-1', raw, size: raw.length, subject: 'Undelivered', kind: 'bounce', state: 'processed' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const event = await db
    .insertInto('bounce_events')
    .values({ list_id: list.id, member_id: member.id, inbound_message_id: inbound.id, source: 'imap', kind: 'bounce', category: 'hard', address: 'm@example.org', event_date: '2026-01-01' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const imp = await db
    .insertInto('member_imports')
    .values({ list_id: list.id, staff_id: null, filename: 'x.csv', total_rows: 0, to_insert: 0, refused: JSON.stringify([]), state: 'succeeded' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const adminEmail = 'site@example.test';
  const adminId = await createStaffUser(db, adminEmail, 'site_admin');
  const victim = await createStaffUser(db, 'victim@example.test', 'list_admin', { listIds: [list.id] });
  const post = await createPost(db, { type: 'staff', id: adminId, label: adminEmail }, { listId: list.id, subject: 'Hello', text: 'Hi {{unsubscribeUrl}}', html: null }, ctx.clock);
  if (!post.ok) throw new Error(`fixture post: ${post.error}`);
  const tokens: Record<string, string> = {};
  for (const action of ['unsubscribe', 'reenable', 'confirm', 'manage'] as LinkAction[]) {
    tokens[action] = linkToken(ctx.config.secretKey, action, member.id, list.id, ctx.clock.today());
  }
  const login = await app.inject({ method: 'GET', url: '/login' });
  const form = await app.inject({ method: 'GET', url: '/subscribe/alpha' });
  return {
    app,
    engine: ctx.engine,
    session: await signIn(app, adminEmail),
    params: {
      listId: String(list.id),
      memberId: String(member.id),
      eventId: String(event.id),
      importId: String(imp.id),
      postId: String(post.postId),
      userId: String(victim),
      id: String(inbound.id),
      action: 'reenable',
      file: 'nothing.eml',
      listName: 'alpha',
      '*': 'app.css',
    },
    tokens,
    loginForm: { cookie: cookiesOf(login), csrf: csrfFrom(login.body) },
    publicForm: { cookie: cookiesOf(form), csrf: csrfFrom(form.body) },
    adminEmail,
  };
}

/** A value that lets the handler go past its own checks to the code the hostile field feeds. */
function baseValue(name: string, n: number, f: Fixture, url: string): string {
  const listId = f.params.listId;
  const values: Record<string, string> = {
    address: `base-${n}@example.org`,
    email: `base-${n}@example.org`,
    owner_address: 'owner@example.org',
    display_name: 'Base',
    name: `base-${n}`,
    description: 'About',
    role: 'list_admin',
    list_ids: listId,
    active: 'true',
    subject: 'Subject',
    text: 'Text {{unsubscribeUrl}}',
    html: '<p>Html</p>',
    csv: 'not-an-address',
    current: 'not the password',
    password: 'a new password 0123',
    confirm: 'a new password 0123',
    threshold: '5',
    stale_after_days: '7',
    warnings: '3',
    warning_interval_days: '7',
    blocked_weight: '0',
    switches: '1',
    intent: 'preview',
    q: 'base',
    match: 'contains',
    status: 'enabled',
    sort: 'address',
    limit: '10',
    state: 'unrecognised',
    show: 'all',
    download: '0',
    list: listId,
    action: 'member.added',
    actor: 'site',
    from: '2026-01-01',
    to: '2026-01-31',
    next: '/admin',
    website: '',
  };
  if (name === '_csrf') return url === '/login' ? f.loginForm.csrf : /^\/subscri/.test(url) ? f.publicForm.csrf : f.session.csrfToken;
  return values[name] ?? 'base';
}

/** Every field name a page's form sends (a handler may read one its route's schema forgot to declare). */
function formFieldNames(): string[] {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.hbs')) for (const m of readFileSync(p, 'utf8').matchAll(/\bname="([A-Za-z_]+)"/g)) names.add(m[1]);
    }
  };
  walk(path.join(TEMPLATES_DIR, 'pages'));
  walk(path.join(TEMPLATES_DIR, 'partials'));
  return [...names];
}

/**
 * Routes that read no field of their body: the token is in the URL (signed links, RFC 8058 posts any body),
 * the body is the raw message (inbound), the action is in the URL (the JSON API's post actions), or only the
 * CSRF token is read (logout). Every other route that takes a body declares it, so the table knows its fields.
 */
export const NO_BODY_FIELDS = [/^\/s\//, /^\/api\/inbound\/raw$/, /^\/api\/lists\/:listId\/posts\/:postId\/\w+$/, /^\/logout$/];

function paramNames(url: string): string[] {
  return [...url.matchAll(/:(\w+)/g)].map((m) => m[1]).concat(url.endsWith('*') ? ['*'] : []);
}

function schemaFields(schema: unknown, part: 'body' | 'querystring'): string[] {
  const s = (schema as Record<string, { properties?: Record<string, unknown> }> | undefined)?.[part];
  return s?.properties ? Object.keys(s.properties) : [];
}

function encodeQuery(fields: Record<string, Json>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (Array.isArray(v)) for (const item of v) q.append(k, typeof item === 'string' ? item : JSON.stringify(item));
    else if (v !== null && typeof v === 'object') q.append(`${k}[a]`, JSON.stringify(v));
    else q.append(k, v === null ? '' : String(v));
  }
  return q.toString().replace(/%EF%BF%BD/g, '%ED%A0%80'); // a lone surrogate as the invalid bytes it would be
}

type Body = { type: 'form' | 'json' | 'raw' | 'multipart'; fields?: Record<string, Json>; raw?: string };

/** Sends every case; returns what failed (a 5xx, or internal text in the body) with the request that did it. */
export async function sendHostileTable(f: Fixture, concurrency = 6): Promise<HostileReport> {
  const { app } = f;
  const routes = app.routeTable.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
  const forms = formFieldNames();
  const allBody = [...new Set([...routes.flatMap((r) => schemaFields(r.schema, 'body')), ...forms])];
  const allQuery = [...new Set([...routes.flatMap((r) => schemaFields(r.schema, 'querystring')), ...forms])];
  const failures: string[] = [];
  let requests = 0;
  let n = 0;

  const ip = () => {
    n++;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  };

  async function send(method: string, url: string, pathValues: Record<string, string>, query: Record<string, Json>, body: Body | null, what: string) {
    let path = url.replace(/:(\w+)/g, (_m, name: string) => pathValues[name]);
    if (url.endsWith('*')) path = path.slice(0, -1) + pathValues['*'];
    const qs = encodeQuery(query);
    const headers: Record<string, string> = {
      cookie: [f.session.cookie, f.loginForm.cookie, f.publicForm.cookie].join('; '),
      authorization: `Bearer ${INBOUND_TOKEN}`,
    };
    // Logout checks the token itself, from the header first: without it, the hostile body is what it reads
    // (and the session survives; one last request with the token signs out for real, see below).
    if (url !== '/logout') headers['x-csrf-token'] = f.session.csrfToken;
    let payload: string | Buffer | undefined;
    if (body?.type === 'json') {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.fields);
    } else if (body?.type === 'form') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = encodeQuery(body.fields ?? {});
    } else if (body?.type === 'raw') {
      headers['content-type'] = 'text/plain; charset=utf-8';
      payload = body.raw ?? '';
    } else if (body?.type === 'multipart') {
      const boundary = 'hostileBoundary7MA4YWxkTrZu0gW';
      headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
      const parts = Object.entries(body.fields ?? {}).map(([k, v]) =>
        k === 'file'
          ? `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${String(v).replace(/["\r\n]/g, '_').slice(0, 300)}"\r\nContent-Type: text/csv\r\n\r\n${String(v)}\r\n`
          : `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${typeof v === 'string' ? v : JSON.stringify(v)}\r\n`,
      );
      payload = Buffer.from(`${parts.join('')}--${boundary}--\r\n`);
    }
    requests++;
    const fullUrl = qs ? `${path}?${qs}` : path;
    let res;
    try {
      res = await app.inject({ method: method as 'GET', url: fullUrl, headers, payload, remoteAddress: ip() });
    } catch (err) {
      failures.push(`${method} ${url} ${what}: inject threw ${(err as Error).message}`);
      return;
    }
    const bad = INTERNAL.find((re) => re.test(res.body));
    if (res.statusCode >= 500 || bad) {
      failures.push(`${method} ${url} ${what} -> ${res.statusCode}${bad ? ` (${bad}: ${/.{0,60}$/.exec(res.body.slice(0, res.body.search(bad) + 40))?.[0]})` : ''}`);
    }
    if (String(res.headers['content-type']).includes('text/html') && res.body.includes('<script>alert(1)</script>')) {
      failures.push(`${method} ${url} ${what}: the script came back unescaped in a page`);
    }
    // Signing out is one of the routes: sign in again so the rest still reach their handlers.
    if (url === '/logout' && res.statusCode === 303) f.session = await signIn(app, f.adminEmail, undefined, ip());
    return res;
  }

  const took: [string, number][] = [];
  for (const r of routes) {
    const started = Date.now();
    const names = paramNames(r.url);
    const base: Record<string, string> = {};
    for (const p of names) base[p] = p === 'token' ? (f.tokens[/^\/s\/(\w+)\//.exec(r.url)?.[1] ?? ''] ?? 'x') : (f.params[p] ?? '1');
    const bodyFields = schemaFields(r.schema, 'body');
    const queryFields = schemaFields(r.schema, 'querystring');
    const withBody = r.method !== 'GET' && r.method !== 'DELETE';
    const baseBody = () => Object.fromEntries(bodyFields.map((k) => [k, baseValue(k, n, f, r.url)])) as Record<string, Json>;
    const baseQuery = () => Object.fromEntries(queryFields.map((k) => [k, baseValue(k, n, f, r.url)])) as Record<string, Json>;
    const formType = r.url.startsWith('/api/') ? 'json' : 'form';

    const cases: (() => Promise<unknown>)[] = [];
    for (const { label, value } of HOSTILE) {
      // Path params: the text as a browser would encode it, and undecodable bytes as they are.
      if (typeof value === 'string' && PATH_VALUES.has(label)) {
        for (const p of names) {
          let encoded: string;
          try {
            encoded = p === '*' ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
          } catch {
            encoded = '%ED%A0%80';
          }
          if (encoded === '') continue; // an empty segment is another route
          cases.push(() => send(r.method, r.url, { ...base, [p]: encoded }, baseQuery(), withBody ? { type: formType, fields: baseBody() } : null, `param ${p}=${label}`));
        }
      }
      for (const q of queryFields) {
        cases.push(() => send(r.method, r.url, base, { ...baseQuery(), [q]: value }, withBody ? { type: formType, fields: baseBody() } : null, `query ${q}=${label}`));
      }
      // Every query field any route knows, at once (a handler reading one its schema does not declare).
      if (!withBody) cases.push(() => send(r.method, r.url, base, Object.fromEntries(allQuery.map((k) => [k, value])), withBody ? { type: formType, fields: baseBody() } : null, `all queries=${label}`));
      if (!withBody) continue;
      for (const b of bodyFields) {
        cases.push(() => send(r.method, r.url, base, baseQuery(), { type: 'json', fields: { ...baseBody(), [b]: value } }, `json ${b}=${label}`));
        if (Array.isArray(value) || label === 'NUL' || label === 'constructor' || label === 'long') {
          cases.push(() => send(r.method, r.url, base, baseQuery(), { type: 'form', fields: { ...baseBody(), [b]: value } }, `form ${b}=${label}`));
        }
      }
      if (bodyFields.includes('file')) {
        // The file as its rows' text: with a good address, the hostile name reaches the insert.
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        cases.push(() => {
          const file = `file-${n}@example.org,${text}`;
          return send(r.method, r.url, base, baseQuery(), { type: 'multipart', fields: { ...baseBody(), csv: value, file } }, `multipart=${label}`);
        });
      }
      const everything = Object.fromEntries(allBody.map((k) => [k, value])) as Record<string, Json>;
      cases.push(() => send(r.method, r.url, base, baseQuery(), { type: 'json', fields: { ...everything, _csrf: baseValue('_csrf', n, f, r.url) } }, `all fields=${label}`));
      // The body as a whole: its type matters, not its text, so a few values do.
      if (WHOLE_BODY.has(label)) {
        cases.push(() => send(r.method, r.url, base, baseQuery(), { type: 'raw', raw: typeof value === 'string' ? value : JSON.stringify(value) }, `raw body=${label}`));
        cases.push(() => send(r.method, r.url, base, baseQuery(), { type: 'json', fields: value as Record<string, Json> }, `json body=${label}`));
      }
    }
    await runAll(cases, concurrency);
    if (r.url === '/logout') {
      const res = await send(r.method, r.url, base, {}, { type: 'form', fields: { _csrf: f.session.csrfToken } }, 'with the token');
      expect(res?.statusCode, 'logout with its token').toBe(303);
    }
    took.push([`${r.method} ${r.url}`, Date.now() - started]);
  }
  const slowest = took.sort((a, b) => b[1] - a[1]).slice(0, 5).map(([route, ms]) => `${route} ${ms} ms`);
  return { requests, routes: routes.length, failures, slowest };
}

/** The checks both engines run. */
export async function expectNoInternalErrors(f: Fixture): Promise<HostileReport> {
  const undeclared = f.app.routeTable
    .filter((r) => r.method === 'POST' && !NO_BODY_FIELDS.some((re) => re.test(r.url)))
    .filter((r) => schemaFields(r.schema, 'body').length === 0)
    .map((r) => `${r.method} ${r.url}`);
  expect(undeclared, 'POST routes without a body schema').toEqual([]);
  const report = await sendHostileTable(f);
  expect(report.routes).toBeGreaterThan(50);
  expect(report.failures).toEqual([]);
  return report;
}
