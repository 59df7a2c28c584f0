// Two things, one file (one migration number per branch):
// 1. Who claimed an in-flight delivery or notice (`claimed_by`). A sender writing to the file outbox records its
//    host, process and outbox there, so after a crash the next start can tell its dead writer's rows from a live
//    sender's and settle them at once from the outbox itself (README "Crash safety").
// 2. Owner digests: the bounce job notes each member it disabled or removed in `owner_digest_items` (in the same
//    statement as the change), then turns a list's notes into ONE owner_disabled / owner_removed notice per owner
//    for the run and deletes them in one statement. Notes left by a run that died are sent by the next run.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table deliveries add column claimed_by text`.execute(db);
  await sql`alter table notices add column claimed_by text`.execute(db);

  await sql`
    create table owner_digest_items (
      id bigint generated always as identity primary key,
      job_run_id bigint not null,
      list_id integer not null references lists(id) on delete cascade,
      type text not null constraint owner_digest_items_type_values check (type in ('owner_disabled', 'owner_removed')),
      member_id bigint,
      address text not null,
      score numeric(8,2),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index owner_digest_items_list on owner_digest_items (list_id, job_run_id)`.execute(db);
}
