// A confirm link works once: the link carries the id of its confirm notice (the subscribe request), and using
// it stamps every open confirm request of that member (members/subscribe-requests.ts confirmSubscription), so
// replaying an old confirm mail after unsubscribing resubscribes nobody.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table notices add column used_at timestamptz`.execute(db);
}
