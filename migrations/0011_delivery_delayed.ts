// A delivery the receiving side reported as delayed (a delay DSN: the remote MTA is still retrying). Its own
// status, not `deferred`: `deferred` means "our queue retries it" (sending/queue.ts), and sending the post again
// while the remote side still holds a copy would deliver it twice. Only forward moves leave it (a later
// bounce, success DSN or complaint); the queue never claims it.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table deliveries drop constraint deliveries_status_values`.execute(db);
  await sql`alter table deliveries add constraint deliveries_status_values check (status in
    ('queued', 'sending', 'sent', 'delayed', 'delivered', 'deferred', 'failed', 'bounced', 'complained'))`.execute(db);
}
