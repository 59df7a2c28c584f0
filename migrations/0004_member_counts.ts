// Members per list and status, kept by statement-level triggers, so the dashboard and the member table
// show exact counts on a list of a million without counting it. Plus indexes for the member table's sorts.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table member_counts (
      list_id integer not null references lists(id) on delete cascade,
      status text not null,
      n bigint not null default 0,
      primary key (list_id, status)
    )`.execute(db);

  // One function for the three events; transition tables make a 100,000-row import one upsert, not 100,000.
  // Rows are upserted in key order so concurrent writers take the counter locks in the same order.
  await sql`
    create function member_counts_apply() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into member_counts (list_id, status, n)
          select list_id, status, count(*) from new_rows group by list_id, status order by list_id, status
          on conflict (list_id, status) do update set n = member_counts.n + excluded.n;
      elsif tg_op = 'DELETE' then
        insert into member_counts (list_id, status, n)
          select list_id, status, -count(*) from old_rows group by list_id, status order by list_id, status
          on conflict (list_id, status) do update set n = member_counts.n + excluded.n;
      else
        insert into member_counts (list_id, status, n)
          select list_id, status, sum(d) from (
            select list_id, status, -1 as d from old_rows
            union all
            select list_id, status, 1 as d from new_rows
          ) c group by list_id, status having sum(d) <> 0 order by list_id, status
          on conflict (list_id, status) do update set n = member_counts.n + excluded.n;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger member_counts_insert after insert on members referencing new table as new_rows
    for each statement execute function member_counts_apply()`.execute(db);
  await sql`create trigger member_counts_delete after delete on members referencing old table as old_rows
    for each statement execute function member_counts_apply()`.execute(db);
  await sql`create trigger member_counts_update after update on members
    referencing old table as old_rows new table as new_rows
    for each statement execute function member_counts_apply()`.execute(db);
  await sql`insert into member_counts (list_id, status, n)
    select list_id, status, count(*) from members group by list_id, status`.execute(db);

  await sql`create index members_list_subscribed on members (list_id, subscribed_at, id)`.execute(db);
  await sql`create index members_list_score on members (list_id, score, id)`.execute(db);
}
