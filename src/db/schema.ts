// Hand-kept table types; they mirror migrations/ (a test checks every column exists).
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** `date` columns come back as 'YYYY-MM-DD' strings on both engines (see db/index.ts). */
type DateCol = string;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | T | undefined, string | T>;
/** numeric comes back as a number on both engines (see db/index.ts). */
type Numeric = ColumnType<number, number | string | undefined, number | string>;

export type MemberStatus = 'pending' | 'enabled' | 'disabled_by_bounce' | 'removed' | 'unsubscribed';
export type MessageKind = 'bounce' | 'delay' | 'complaint' | 'autoreply' | 'other';
export type EventKind = Exclude<MessageKind, 'other'>;
export type Category = 'hard' | 'soft' | 'blocked';
export type Source = 'imap' | 'http' | 'cli' | 'smtp';
export type InboundState = 'received' | 'processed' | 'unrecognised' | 'unprocessed' | 'failed';
export type PostStatus = 'draft' | 'sending' | 'paused' | 'sent' | 'cancelled';
/** `delayed`: a delay DSN came back (the remote MTA still retries); the send queue never claims it. */
export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'delayed' | 'delivered' | 'deferred' | 'failed' | 'bounced' | 'complained';
export type NoticeType =
  | 'confirm'
  | 'welcome'
  | 'unsubscribed'
  | 'disabled'
  | 'warning'
  | 'removed'
  | 'manage'
  | 'owner_disabled'
  | 'owner_removed'
  | 'owner_complaint'
  | 'owner_reputation';
export type NoticeStatus = 'queued' | 'sending' | 'sent' | 'deferred' | 'failed';
export type StaffRole = 'site_admin' | 'service_desk' | 'list_admin';
export type ActorType = 'staff' | 'member' | 'system';
export type JobStatus = 'running' | 'succeeded' | 'failed' | 'skipped';

export interface ListsTable {
  id: Generated<number>;
  name: string;
  display_name: string;
  description: Generated<string>;
  owner_address: string | null;
  threshold: Numeric;
  stale_after_days: Generated<number>;
  warnings: Generated<number>;
  warning_interval_days: Generated<number>;
  blocked_weight: Numeric;
  notify_owner_on_disable: Generated<boolean>;
  notify_owner_on_removal: Generated<boolean>;
  unsubscribe_on_complaint: Generated<boolean>;
  process_bounces: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MembersTable {
  id: Generated<number>;
  list_id: number;
  address: string;
  display_name: Generated<string>;
  status: ColumnType<MemberStatus, MemberStatus | undefined, MemberStatus>;
  score: Numeric;
  last_bounce_date: DateCol | null;
  last_bounce_increment: Numeric;
  warnings_left: Generated<number>;
  last_warning_date: DateCol | null;
  warnings_sent: Generated<number>;
  disabled_on: DateCol | null;
  status_changed_at: Timestamp;
  subscribed_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface InboundMessagesTable {
  id: Generated<number>;
  source: Source;
  mailbox: string | null;
  uidvalidity: number | null;
  uid: number | null;
  content_hash: string;
  raw: Uint8Array;
  size: number;
  message_id: string | null;
  subject: string | null;
  from_address: string | null;
  kind: MessageKind | null;
  classification: Json<unknown> | null;
  state: ColumnType<InboundState, InboundState | undefined, InboundState>;
  error: string | null;
  target_folder: string | null;
  received_at: Timestamp;
  processed_at: Date | null;
  moved_at: Date | null;
}

export interface PostsTable {
  id: Generated<number>;
  list_id: number;
  subject: string;
  body_text: string | null;
  body_html: string | null;
  status: ColumnType<PostStatus, PostStatus | undefined, PostStatus>;
  created_by: number | null;
  total: Generated<number>;
  created_at: Timestamp;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface DeliveriesTable {
  id: Generated<number>;
  post_id: number;
  list_id: number;
  member_id: number | null;
  address: string;
  status: ColumnType<DeliveryStatus, DeliveryStatus | undefined, DeliveryStatus>;
  bounce_category: Category | null;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  message_id: string | null;
  sent_at: Date | null;
  updated_at: Timestamp;
  /** When a sender claimed it (status 'sending'); migration 0002. */
  claimed_at: Date | null;
  /** Which sender claimed it (sending/outbox.ts claimer ids); migration 0009. */
  claimed_by: string | null;
}

export interface BounceEventsTable {
  id: Generated<number>;
  list_id: number | null;
  member_id: number | null;
  inbound_message_id: number | null;
  delivery_id: number | null;
  source: Source;
  kind: EventKind;
  category: Category | null;
  reason: string | null;
  address: string;
  status: string | null;
  diagnostic: string | null;
  remote_mta: string | null;
  feedback_type: string | null;
  event_date: DateCol;
  weight: Numeric;
  scored_on: DateCol | null;
  effect: Generated<string>;
  created_at: Timestamp;
}

export interface NoticesTable {
  id: Generated<number>;
  list_id: number | null;
  member_id: number | null;
  to_address: string;
  type: NoticeType;
  audience: 'member' | 'owner';
  payload: Json;
  dedupe_key: string | null;
  status: ColumnType<NoticeStatus, NoticeStatus | undefined, NoticeStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: Date | null;
  /** When a sender claimed it (status 'sending'); migration 0002. */
  claimed_at: Date | null;
  /** Which sender claimed it; migration 0009. */
  claimed_by: string | null;
  /** A confirm request: when its link (or a later request's) was used; migration 0010. */
  used_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** A member the bounce job disabled or removed, waiting to be listed in its owners' digest; migration 0009. */
export interface OwnerDigestItemsTable {
  id: Generated<number>;
  job_run_id: number;
  list_id: number;
  type: 'owner_disabled' | 'owner_removed';
  member_id: number | null;
  address: string;
  score: number | null;
  created_at: Timestamp;
}

export interface StaffUsersTable {
  id: Generated<number>;
  email: string;
  name: Generated<string>;
  password_hash: string;
  role: StaffRole;
  active: Generated<boolean>;
  must_change_password: Generated<boolean>;
  created_at: Timestamp;
  last_login_at: Date | null;
}

export interface StaffListAccessTable {
  user_id: number;
  list_id: number;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  csrf_secret: string;
  created_at: Timestamp;
  expires_at: Date | string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Timestamp;
  actor_type: ActorType;
  actor_id: number | null;
  actor_label: Generated<string>;
  action: string;
  list_id: number | null;
  member_id: number | null;
  details: Json;
}

export interface JobRunsTable {
  id: Generated<number>;
  job: string;
  run_date: DateCol;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  started_at: Timestamp;
  finished_at: Date | null;
  stats: Json;
  error: string | null;
}

export interface MailboxStatusTable {
  name: string;
  last_poll_at: Date | null;
  last_success_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  messages_processed: Generated<number>;
  lag_seconds: number | null;
}

/** Members per list and status, kept by triggers (migrations/0004). */
export interface MemberCountsTable {
  list_id: number;
  status: MemberStatus;
  n: number;
}

/** One CSV import and its per-row report (migrations/0005). */
export interface MemberImportsTable {
  id: Generated<number>;
  list_id: number;
  staff_id: number | null;
  filename: Generated<string>;
  state: ColumnType<'running' | 'succeeded' | 'failed', 'running' | 'succeeded' | 'failed' | undefined, 'running' | 'succeeded' | 'failed'>;
  total_rows: Generated<number>;
  to_insert: Generated<number>;
  done: Generated<number>;
  added: Generated<number>;
  refused: Json<RefusedRow[]>;
  refused_count: Generated<number>;
  error: string | null;
  created_at: Timestamp;
  finished_at: Date | null;
  /** While running: the time by which its process must renew the lease, or the import counts as interrupted. */
  lease_until: Date | null;
}

/** A CSV row an import did not take, and why. */
export interface RefusedRow {
  line: number;
  address: string;
  reason: string;
}

export interface Database {
  lists: ListsTable;
  members: MembersTable;
  inbound_messages: InboundMessagesTable;
  posts: PostsTable;
  deliveries: DeliveriesTable;
  bounce_events: BounceEventsTable;
  notices: NoticesTable;
  staff_users: StaffUsersTable;
  staff_list_access: StaffListAccessTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  job_runs: JobRunsTable;
  mailbox_status: MailboxStatusTable;
  member_counts: MemberCountsTable;
  member_imports: MemberImportsTable;
  owner_digest_items: OwnerDigestItemsTable;
}

export type List = Selectable<ListsTable>;
export type NewList = Insertable<ListsTable>;
export type ListUpdate = Updateable<ListsTable>;
export type Member = Selectable<MembersTable>;
export type NewMember = Insertable<MembersTable>;
export type BounceEvent = Selectable<BounceEventsTable>;
export type InboundMessage = Selectable<InboundMessagesTable>;
export type Notice = Selectable<NoticesTable>;
export type StaffUser = Selectable<StaffUsersTable>;
export type Post = Selectable<PostsTable>;
export type Delivery = Selectable<DeliveriesTable>;
