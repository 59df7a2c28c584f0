// Test staff: accounts made in the database, signed in through the real /login form (cookie + CSRF token).
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../../src/db/index.js';
import type { StaffRole } from '../../../src/db/schema.js';
import { hashPassword } from '../../../src/staff/passwords.js';

export const PASSWORD = 'correct horse battery staple';
let hashed: Promise<string> | null = null;

export async function createStaff(db: Db, email: string, role: StaffRole, listIds: number[] = []): Promise<number> {
  hashed ??= hashPassword(PASSWORD);
  const row = await db
    .insertInto('staff_users')
    .values({ email, name: email.split('@')[0], password_hash: await hashed, role })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const listId of listIds) await db.insertInto('staff_list_access').values({ user_id: row.id, list_id: listId }).execute();
  return row.id;
}

export interface Session {
  cookie: string;
  csrf: string;
}

function cookieHeader(setCookie: string | string[] | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return all.map((c) => c.split(';')[0]).join('; ');
}

export function csrfIn(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no _csrf field in the page');
  return m[1];
}

export async function signIn(app: FastifyInstance, email: string): Promise<Session> {
  const form = await app.inject({ method: 'GET', url: '/login' });
  const loginCookie = cookieHeader(form.headers['set-cookie']);
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email, password: PASSWORD, _csrf: csrfIn(form.body), next: '/account/password' }).toString(),
  });
  if (res.statusCode !== 303) throw new Error(`sign-in of ${email} failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  const cookie = cookieHeader(res.headers['set-cookie']);
  const page = await app.inject({ method: 'GET', url: '/account/password', headers: { cookie } });
  return { cookie, csrf: csrfIn(page.body) };
}

export function form(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}

export async function post(app: FastifyInstance, s: Session | null, url: string, values: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url,
    headers: { ...(s ? { cookie: s.cookie } : {}), 'content-type': 'application/x-www-form-urlencoded' },
    payload: form(values),
  });
}

export async function get(app: FastifyInstance, s: Session | null, url: string) {
  return app.inject({ method: 'GET', url, headers: s ? { cookie: s.cookie } : {} });
}
