// The whole data model. Forward-only: later changes are new files, never edits to this one.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);

  await sql`
    create table lists (
      id serial primary key,
      name text not null unique
        constraint lists_name_format check (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
      display_name text not null,
      description text not null default '',
      owner_address text,
      threshold numeric(6,2) not null default 5.0
        constraint lists_threshold_range check (threshold > 0 and threshold <= 1000),
      stale_after_days integer not null default 7
        constraint lists_stale_after_days_range check (stale_after_days between 1 and 365),
      warnings integer not null default 3
        constraint lists_warnings_range check (warnings between 0 and 52),
      warning_interval_days integer not null default 7
        constraint lists_warning_interval_days_range check (warning_interval_days between 1 and 365),
      blocked_weight numeric(2,1) not null default 0
        constraint lists_blocked_weight_values check (blocked_weight in (0, 0.5)),
      notify_owner_on_disable boolean not null default true,
      notify_owner_on_removal boolean not null default true,
      unsubscribe_on_complaint boolean not null default true,
      process_bounces boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table members (
      id bigint generated always as identity primary key,
      list_id integer not null references lists(id) on delete cascade,
      address text not null
        constraint members_address_normalised check (address = lower(btrim(address)) and address like '_%@_%'),
      display_name text not null default '',
      status text not null default 'enabled'
        constraint members_status_values
        check (status in ('pending', 'enabled', 'disabled_by_bounce', 'removed', 'unsubscribed')),
      score numeric(8,2) not null default 0 constraint members_score_nonnegative check (score >= 0),
      last_bounce_date date,
      -- the largest weight already added on last_bounce_date (spec section 3, once a day)
      last_bounce_increment numeric(3,1) not null default 0,
      warnings_left integer not null default 0,
      last_warning_date date,
      -- notices sent since the last disable (the disable notice is the first)
      warnings_sent integer not null default 0,
      disabled_on date,
      status_changed_at timestamptz not null default now(),
      subscribed_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint members_list_address_unique unique (list_id, address)
    )`.execute(db);
  // Address search on a list of a million: prefix (btree, pattern ops) and substring (trigram).
  await sql`create index members_list_address_prefix on members (list_id, address text_pattern_ops)`.execute(db);
  await sql`create index members_address_trgm on members using gin (address gin_trgm_ops)`.execute(db);
  await sql`create index members_list_status on members (list_id, status, id)`.execute(db);
  await sql`create index members_bouncing on members (list_id, score) where status = 'enabled' and score > 0`.execute(db);
  await sql`create index members_disabled on members (list_id, last_warning_date) where status = 'disabled_by_bounce'`.execute(db);

  await sql`
    create table inbound_messages (
      id bigint generated always as identity primary key,
      source text not null constraint inbound_source_values check (source in ('imap', 'http', 'cli', 'smtp')),
      mailbox text,
      uidvalidity bigint,
      uid bigint,
      content_hash text not null constraint inbound_content_hash_unique unique,
      raw bytea not null,
      size integer not null,
      message_id text,
      subject text,
      from_address text,
      kind text constraint inbound_kind_values
        check (kind in ('bounce', 'delay', 'complaint', 'autoreply', 'other')),
      classification jsonb,
      state text not null default 'received'
        constraint inbound_state_values
        check (state in ('received', 'processed', 'unrecognised', 'unprocessed', 'failed')),
      error text,
      target_folder text,
      received_at timestamptz not null default now(),
      processed_at timestamptz,
      moved_at timestamptz,
      constraint inbound_imap_identity unique (mailbox, uidvalidity, uid)
    )`.execute(db);
  await sql`create index inbound_state on inbound_messages (state, received_at)`.execute(db);

  await sql`
    create table posts (
      id bigint generated always as identity primary key,
      list_id integer not null references lists(id) on delete cascade,
      subject text not null,
      body_text text,
      body_html text,
      status text not null default 'draft'
        constraint posts_status_values check (status in ('draft', 'sending', 'paused', 'sent', 'cancelled')),
      created_by integer,
      total integer not null default 0,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz
    )`.execute(db);
  await sql`create index posts_list on posts (list_id, created_at desc)`.execute(db);

  await sql`
    create table deliveries (
      id bigint generated always as identity primary key,
      post_id bigint not null references posts(id) on delete cascade,
      list_id integer not null references lists(id) on delete cascade,
      member_id bigint references members(id) on delete set null,
      address text not null,
      status text not null default 'queued'
        constraint deliveries_status_values
        check (status in ('queued', 'sent', 'delivered', 'deferred', 'failed', 'bounced', 'complained')),
      bounce_category text constraint deliveries_category_values check (bounce_category in ('hard', 'soft', 'blocked')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      last_error text,
      message_id text,
      sent_at timestamptz,
      updated_at timestamptz not null default now(),
      constraint deliveries_post_member_unique unique (post_id, member_id)
    )`.execute(db);
  await sql`create index deliveries_due on deliveries (next_attempt_at, id) where status in ('queued', 'deferred')`.execute(db);
  await sql`create index deliveries_post_status on deliveries (post_id, status)`.execute(db);
  await sql`create index deliveries_member on deliveries (member_id)`.execute(db);

  await sql`
    create table bounce_events (
      id bigint generated always as identity primary key,
      list_id integer references lists(id) on delete cascade,
      member_id bigint references members(id) on delete set null,
      inbound_message_id bigint references inbound_messages(id) on delete set null,
      delivery_id bigint references deliveries(id) on delete set null,
      source text not null constraint bounce_events_source_values check (source in ('imap', 'http', 'cli', 'smtp')),
      kind text not null constraint bounce_events_kind_values check (kind in ('bounce', 'delay', 'complaint', 'autoreply')),
      category text constraint bounce_events_category_values check (category in ('hard', 'soft', 'blocked')),
      reason text,
      address text not null,
      status text,
      diagnostic text,
      remote_mta text,
      feedback_type text,
      event_date date not null,
      weight numeric(3,1) not null default 0,
      -- the date this event changed the score, null when it changed nothing
      scored_on date,
      effect text not null default 'recorded',
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index bounce_events_member on bounce_events (member_id, created_at desc)`.execute(db);
  await sql`create index bounce_events_list_date on bounce_events (list_id, event_date)`.execute(db);
  await sql`create index bounce_events_inbound on bounce_events (inbound_message_id)`.execute(db);
  await sql`create unique index bounce_events_once_per_message on bounce_events (inbound_message_id, list_id, address, kind)
    where inbound_message_id is not null`.execute(db);

  await sql`
    create table notices (
      id bigint generated always as identity primary key,
      list_id integer references lists(id) on delete cascade,
      member_id bigint references members(id) on delete set null,
      to_address text not null,
      type text not null constraint notices_type_values check (type in (
        'confirm', 'welcome', 'unsubscribed', 'disabled', 'warning', 'removed', 'manage',
        'owner_disabled', 'owner_removed', 'owner_complaint', 'owner_reputation')),
      audience text not null constraint notices_audience_values check (audience in ('member', 'owner')),
      payload jsonb not null default '{}'::jsonb,
      -- what makes a notice unique, so a rerun of a job never queues it twice
      dedupe_key text constraint notices_dedupe_unique unique,
      status text not null default 'queued'
        constraint notices_status_values check (status in ('queued', 'sent', 'deferred', 'failed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      last_error text,
      created_at timestamptz not null default now(),
      sent_at timestamptz
    )`.execute(db);
  await sql`create index notices_due on notices (next_attempt_at, id) where status in ('queued', 'deferred')`.execute(db);
  await sql`create index notices_member on notices (member_id)`.execute(db);

  await sql`
    create table staff_users (
      id serial primary key,
      email text not null constraint staff_email_unique unique
        constraint staff_email_normalised check (email = lower(btrim(email))),
      name text not null default '',
      password_hash text not null,
      role text not null constraint staff_role_values check (role in ('site_admin', 'service_desk', 'list_admin')),
      active boolean not null default true,
      must_change_password boolean not null default false,
      created_at timestamptz not null default now(),
      last_login_at timestamptz
    )`.execute(db);

  await sql`
    create table staff_list_access (
      user_id integer not null references staff_users(id) on delete cascade,
      list_id integer not null references lists(id) on delete cascade,
      primary key (user_id, list_id)
    )`.execute(db);
  await sql`create index staff_list_access_list on staff_list_access (list_id)`.execute(db);

  await sql`
    create table sessions (
      id text primary key,
      user_id integer not null references staff_users(id) on delete cascade,
      csrf_secret text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`.execute(db);
  await sql`create index sessions_user on sessions (user_id)`.execute(db);

  await sql`
    create table audit_log (
      id bigint generated always as identity primary key,
      at timestamptz not null default now(),
      actor_type text not null constraint audit_actor_values check (actor_type in ('staff', 'member', 'system')),
      actor_id integer,
      actor_label text not null default '',
      action text not null,
      list_id integer references lists(id) on delete set null,
      member_id bigint references members(id) on delete set null,
      details jsonb not null default '{}'::jsonb
    )`.execute(db);
  await sql`create index audit_log_at on audit_log (at desc)`.execute(db);
  await sql`create index audit_log_list on audit_log (list_id, at desc)`.execute(db);
  await sql`create index audit_log_member on audit_log (member_id, at desc)`.execute(db);
  await sql`create index audit_log_action on audit_log (action, at desc)`.execute(db);

  await sql`
    create table job_runs (
      id bigint generated always as identity primary key,
      job text not null,
      run_date date not null,
      status text not null default 'running'
        constraint job_runs_status_values check (status in ('running', 'succeeded', 'failed', 'skipped')),
      started_at timestamptz not null default now(),
      finished_at timestamptz,
      stats jsonb not null default '{}'::jsonb,
      error text
    )`.execute(db);
  await sql`create index job_runs_job on job_runs (job, started_at desc)`.execute(db);

  await sql`
    create table mailbox_status (
      name text primary key,
      last_poll_at timestamptz,
      last_success_at timestamptz,
      last_error text,
      last_error_at timestamptz,
      messages_processed bigint not null default 0,
      lag_seconds integer
    )`.execute(db);
}
