// The sender claims deliveries per post (deliveries_post_due, 0002), never by next_attempt_at across posts, so
// 0001's deliveries_due index is only cost: every claim and every recorded outcome rewrote an entry in it.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists deliveries_due`.execute(db);
}
