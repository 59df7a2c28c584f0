// A running import holds a lease that its process renews; an import whose lease ran out belongs to a process
// that died (its transaction rolled back), so the background worker can say so at once instead of after an hour.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table member_imports add column lease_until timestamptz`.execute(db);
  await sql`create index member_imports_running on member_imports (lease_until) where state = 'running'`.execute(db);
}
