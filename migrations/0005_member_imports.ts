// CSV imports run after the upload answers, so the browser can show progress; their state and per-row
// report live here (any app instance can answer the progress page).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table member_imports (
      id bigint generated always as identity primary key,
      list_id integer not null references lists(id) on delete cascade,
      staff_id integer references staff_users(id) on delete set null,
      filename text not null default '',
      state text not null default 'running'
        constraint member_imports_state_values check (state in ('running', 'succeeded', 'failed')),
      total_rows integer not null default 0,
      to_insert integer not null default 0,
      done integer not null default 0,
      added integer not null default 0,
      refused jsonb not null default '[]'::jsonb,
      refused_count integer not null default 0,
      error text,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`create index member_imports_list on member_imports (list_id, created_at desc)`.execute(db);
}
