// Sending: an in-flight state for deliveries and notices, so a crash between "handed to SMTP" and "recorded as
// sent" is visible (and never re-sent: README.md, "Sending"), plus an index for the
// per-post claim query.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table deliveries drop constraint deliveries_status_values`.execute(db);
  await sql`alter table deliveries add constraint deliveries_status_values check (status in
    ('queued', 'sending', 'sent', 'delivered', 'deferred', 'failed', 'bounced', 'complained'))`.execute(db);
  await sql`alter table deliveries add column claimed_at timestamptz`.execute(db);
  await sql`create index deliveries_post_due on deliveries (post_id, id) where status in ('queued', 'deferred')`.execute(db);
  await sql`create index deliveries_in_flight on deliveries (claimed_at) where status = 'sending'`.execute(db);

  await sql`alter table notices drop constraint notices_status_values`.execute(db);
  await sql`alter table notices add constraint notices_status_values check (status in
    ('queued', 'sending', 'sent', 'deferred', 'failed'))`.execute(db);
  await sql`alter table notices add column claimed_at timestamptz`.execute(db);
  await sql`create index notices_in_flight on notices (claimed_at) where status = 'sending'`.execute(db);
}
