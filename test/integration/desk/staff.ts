// Staff for the desk, posts and mail route tests: accounts and real sign-in from the shared helper
// (test/integration/http/staff-session.ts), plus form GET/POST shorthands.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../../src/db/index.js';
import type { StaffRole } from '../../../src/db/schema.js';
import { createStaffUser, signIn as signInForm, TEST_PASSWORD } from '../http/staff-session.js';

export const PASSWORD = TEST_PASSWORD;

export function createStaff(db: Db, email: string, role: StaffRole, listIds: number[] = []): Promise<number> {
  return createStaffUser(db, email, role, { listIds });
}

export interface Session {
  cookie: string;
  csrf: string;
}

export async function signIn(app: FastifyInstance, email: string): Promise<Session> {
  const s = await signInForm(app, email);
  return { cookie: s.cookie, csrf: s.csrfToken };
}

export async function post(app: FastifyInstance, s: Session | null, url: string, values: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url,
    headers: { ...(s ? { cookie: s.cookie } : {}), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(values).toString(),
  });
}

export async function get(app: FastifyInstance, s: Session | null, url: string) {
  return app.inject({ method: 'GET', url, headers: s ? { cookie: s.cookie } : {} });
}
