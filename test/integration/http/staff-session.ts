// Helpers for route tests: create a staff account and sign in through the real login form (app.inject).
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../../src/db/index.js';
import type { StaffRole } from '../../../src/db/schema.js';
import { hashPassword } from '../../../src/staff/passwords.js';

export const TEST_PASSWORD = 'correct horse battery';

export async function createStaffUser(
  db: Db,
  email: string,
  role: StaffRole,
  opts: { listIds?: number[]; mustChangePassword?: boolean; password?: string } = {},
): Promise<number> {
  const row = await db
    .insertInto('staff_users')
    .values({
      email,
      name: email.split('@')[0],
      role,
      password_hash: await hashPassword(opts.password ?? TEST_PASSWORD),
      must_change_password: opts.mustChangePassword ?? false,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (opts.listIds?.length) {
    await db
      .insertInto('staff_list_access')
      .values(opts.listIds.map((list_id) => ({ user_id: row.id, list_id })))
      .execute();
  }
  return row.id;
}

export interface StaffSession {
  /** Cookie header value to send with requests. */
  cookie: string;
  csrfToken: string;
}

function cookiesOf(res: { headers: Record<string, unknown> }): Record<string, string> {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  const out: Record<string, string> = {};
  for (const c of list) {
    const [pair] = String(c).split(';');
    const i = pair.indexOf('=');
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1];
}

/** Signs in through GET /login + POST /login; returns the session cookie and the CSRF token of a staff page. */
export async function signIn(app: FastifyInstance, email: string, password = TEST_PASSWORD, remoteAddress?: string): Promise<StaffSession> {
  const form = await app.inject({ method: 'GET', url: '/login', remoteAddress });
  const loginCookie = cookiesOf(form).lk_login;
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress,
    headers: { cookie: `lk_login=${loginCookie}` },
    payload: { email, password, _csrf: csrfFrom(form.body) },
  });
  if (res.statusCode !== 303) {
    const alert = /role="alert">([^<]*)</.exec(res.body)?.[1] ?? res.body.slice(0, 300);
    throw new Error(`sign-in failed: ${res.statusCode} ${alert}`);
  }
  const session = cookiesOf(res).lk_session;
  const cookie = `lk_session=${session}`;
  const page = await app.inject({ method: 'GET', url: '/account/password', headers: { cookie } });
  return { cookie, csrfToken: csrfFrom(page.body) };
}
