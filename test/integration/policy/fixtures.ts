// Fixtures of the policy tests: a list and members written straight to the tables.
import type { Db } from '../../../src/db/index.js';
import type { NewList } from '../../../src/db/schema.js';

let n = 0;

export async function makeList(db: Db, values: Partial<NewList> = {}): Promise<number> {
  n += 1;
  const row = await db
    .insertInto('lists')
    .values({ name: `policy-${process.pid}-${n}-${Math.floor(Math.random() * 1e6)}`, display_name: 'Policy test', owner_address: 'owner@example.org', ...values })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function makeMembers(
  db: Db,
  listId: number,
  count: number,
  values: Record<string, unknown> = {},
  prefix = 'm',
): Promise<number[]> {
  const rows = await db
    .insertInto('members')
    .values(Array.from({ length: count }, (_, i) => ({ list_id: listId, address: `${prefix}${i}@example.org`, ...values })))
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

export async function makeListAdmin(db: Db, listId: number, email: string, active = true): Promise<number> {
  const u = await db
    .insertInto('staff_users')
    .values({ email, password_hash: 'x', role: 'list_admin', active })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('staff_list_access').values({ user_id: u.id, list_id: listId }).execute();
  return u.id;
}
