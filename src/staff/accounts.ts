// Staff accounts: sign-in check, password change, and the site admin's management (create, list access, deactivate).
import { audit, type Actor } from '../audit.js';
import type { Db } from '../db/index.js';
import { checkAddress } from '../members/address.js';
import type { StaffRole, StaffUser } from '../db/schema.js';
import { generatePassword, hashPassword, verifyPassword } from './passwords.js';

export const PASSWORD_MIN_LENGTH = 10;
export const STAFF_ROLES: readonly StaffRole[] = ['site_admin', 'service_desk', 'list_admin'];

// A real hash of nothing: unknown addresses cost the same scrypt time as known ones.
let dummyHash: Promise<string> | null = null;

export type SignInResult = { ok: true; user: StaffUser } | { ok: false };

export async function signIn(db: Db, email: string, password: string, now: Date): Promise<SignInResult> {
  const user = await db
    .selectFrom('staff_users')
    .selectAll()
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
  dummyHash ??= hashPassword('not a password');
  const good = await verifyPassword(password, user?.password_hash ?? (await dummyHash));
  if (!user || !good || !user.active) return { ok: false };
  await db.updateTable('staff_users').set({ last_login_at: now }).where('id', '=', user.id).execute();
  return { ok: true, user };
}

export function passwordProblem(password: string, confirm: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `The new password needs at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > 1024) return 'The new password is too long.';
  if (password !== confirm) return 'The two new passwords differ.';
  return null;
}

export async function changePassword(
  db: Db,
  userId: number,
  current: string,
  password: string,
  confirm: string,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const user = await db.selectFrom('staff_users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user) return { ok: false, error: 'No such account.' };
  if (!(await verifyPassword(current, user.password_hash))) return { ok: false, error: 'The current password is wrong.' };
  const problem = passwordProblem(password, confirm);
  if (problem) return { ok: false, error: problem };
  if (password === current) return { ok: false, error: 'Choose a password different from the current one.' };
  await db
    .updateTable('staff_users')
    .set({ password_hash: await hashPassword(password), must_change_password: false })
    .where('id', '=', userId)
    .execute();
  return { ok: true };
}

export interface StaffRow {
  id: number;
  email: string;
  name: string;
  role: StaffRole;
  active: boolean;
  mustChangePassword: boolean;
  lastLoginAt: Date | null;
  lists: { id: number; name: string }[];
}

export async function listStaff(db: Db): Promise<StaffRow[]> {
  const users = await db.selectFrom('staff_users').selectAll().orderBy('email').execute();
  const access = await db
    .selectFrom('staff_list_access as a')
    .innerJoin('lists as l', 'l.id', 'a.list_id')
    .select(['a.user_id', 'l.id', 'l.name'])
    .orderBy('l.name')
    .execute();
  return users.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    active: u.active,
    mustChangePassword: u.must_change_password,
    lastLoginAt: u.last_login_at,
    lists: access.filter((a) => a.user_id === u.id).map((a) => ({ id: a.id, name: a.name })),
  }));
}

export type CreateStaffResult =
  | { ok: true; id: number; password: string }
  | { ok: false; errors: Record<string, string> };

/** Creates an account with a generated one-time password (shown once to the site admin, changed at first sign-in). */
export async function createStaff(
  db: Db,
  actor: Actor,
  input: { email: string; name: string; role: string; listIds?: number[] },
): Promise<CreateStaffResult> {
  const checked = checkAddress(input.email);
  const email = checked.ok ? checked.address : input.email.trim().toLowerCase();
  const errors: Record<string, string> = {};
  if (!checked.ok) errors.email = checked.reason === 'control' ? `Enter a valid email address. ${checked.message}` : 'Enter a valid email address.';
  if (!STAFF_ROLES.includes(input.role as StaffRole)) errors.role = 'Choose a role.';
  if (input.name.length > 200) errors.name = 'The name is too long (200 characters at most).';
  if (Object.keys(errors).length) return { ok: false, errors };
  const password = generatePassword();
  const hash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('staff_users')
      .values({
        email,
        name: input.name.trim(),
        password_hash: hash,
        role: input.role as StaffRole,
        must_change_password: true,
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return { ok: false as const, errors: { email: 'An account with this address exists already.' } };
    const asked = input.role === 'list_admin' ? [...new Set(input.listIds ?? [])].filter((n) => Number.isSafeInteger(n) && n > 0) : [];
    // Only lists that exist (one may have been deleted since the form was shown), as setListAccess does.
    const listIds = asked.length ? (await trx.selectFrom('lists').select('id').where('id', 'in', asked).orderBy('id').execute()).map((l) => l.id) : [];
    if (listIds.length) {
      await trx
        .insertInto('staff_list_access')
        .values(listIds.map((listId) => ({ user_id: row.id, list_id: listId })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    await audit(trx, actor, { action: 'staff.created', details: { userId: row.id, email, role: input.role, listIds } });
    return { ok: true as const, id: row.id, password };
  });
}

/** Replaces a list admin's set of lists. */
export async function setListAccess(db: Db, actor: Actor, userId: number, listIds: number[]): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // Locked: two saves at once would both delete, then both insert the same rows (a duplicate-key error).
    const user = await trx.selectFrom('staff_users').select(['id', 'role']).where('id', '=', userId).forUpdate().executeTakeFirst();
    if (!user || user.role !== 'list_admin') return false;
    const before = await trx.selectFrom('staff_list_access').select('list_id').where('user_id', '=', userId).execute();
    await trx.deleteFrom('staff_list_access').where('user_id', '=', userId).execute();
    const unique = [...new Set(listIds)].filter((n) => Number.isSafeInteger(n) && n > 0);
    if (unique.length) {
      const existing = await trx.selectFrom('lists').select('id').where('id', 'in', unique).execute();
      if (existing.length) {
        await trx
          .insertInto('staff_list_access')
          .values(existing.map((l) => ({ user_id: userId, list_id: l.id })))
          .execute();
      }
    }
    await audit(trx, actor, {
      action: 'staff.list_access_changed',
      details: { userId, before: before.map((b) => b.list_id), after: unique },
    });
    return true;
  });
}

/** Deactivates (or reactivates) an account; deactivation ends its sessions at once. */
export async function setStaffActive(
  db: Db,
  actor: Actor,
  userId: number,
  active: boolean,
): Promise<{ ok: true } | { ok: false; error: string }> {
  if (actor.id === userId && !active) return { ok: false, error: 'You cannot deactivate your own account.' };
  return db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('staff_users').select(['id', 'email']).where('id', '=', userId).executeTakeFirst();
    if (!user) return { ok: false as const, error: 'No such account.' };
    await trx.updateTable('staff_users').set({ active }).where('id', '=', userId).execute();
    if (!active) await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await audit(trx, actor, { action: active ? 'staff.reactivated' : 'staff.deactivated', details: { userId, email: user.email } });
    return { ok: true as const };
  });
}

/** Sets a new one-time password that must be changed at the next sign-in. */
export async function resetStaffPassword(db: Db, actor: Actor, userId: number): Promise<string | null> {
  const password = generatePassword();
  const hash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('staff_users')
      .set({ password_hash: hash, must_change_password: true })
      .where('id', '=', userId)
      .returning('email')
      .executeTakeFirst();
    if (!row) return null;
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await audit(trx, actor, { action: 'staff.password_reset', details: { userId, email: row.email } });
    return password;
  });
}
