// Fixtures for the sending tests: a list with members, built straight in the database.
import { sql } from 'kysely';
import type { Db } from '../../../src/db/index.js';

export async function createListWithMembers(
  db: Db,
  name: string,
  addresses: string[],
  opts: { displayName?: string; ownerAddress?: string | null } = {},
): Promise<{ listId: number; members: Map<string, number> }> {
  const list = await db
    .insertInto('lists')
    .values({ name, display_name: opts.displayName ?? `The ${name} list`, owner_address: opts.ownerAddress ?? null, threshold: 5, blocked_weight: 0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const members = new Map<string, number>();
  for (let i = 0; i < addresses.length; i += 5000) {
    const chunk = addresses.slice(i, i + 5000);
    const rows = await sql<{ id: number; address: string }>`
      insert into members (list_id, address, score, last_bounce_increment)
      select ${list.id}, a, 0, 0 from unnest(${chunk}::text[]) as a
      returning id, address`.execute(db);
    for (const r of rows.rows) members.set(r.address, Number(r.id));
  }
  return { listId: list.id, members };
}
