// The durable queue's SQL: claim due rows (FOR UPDATE SKIP LOCKED, so any number of workers share the work),
// record outcomes in one statement per batch, fail what a crash left in flight, close finished posts.
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { Category, NoticeType } from '../db/schema.js';
import { INTERRUPTED_PREFIX } from './posts.js';

export interface ClaimedDelivery {
  id: number;
  post_id: number;
  list_id: number;
  member_id: number | null;
  address: string;
  attempts: number;
  member_status: string | null;
}

/**
 * Claims up to `limit` due deliveries of posts that are sending: status becomes 'sending' and the claim is
 * committed BEFORE any SMTP traffic, so after a crash the row says "may have gone out" (see failInterrupted).
 * A first attempt is due at once whatever its timestamp; retries wait for next_attempt_at.
 */
export async function claimDeliveries(db: Db, limit: number, now: Date, claimer: string | null = null): Promise<ClaimedDelivery[]> {
  const { rows } = await sql<ClaimedDelivery>`
    with c as (
      select d.id, m.status as member_status from deliveries d
        left join members m on m.id = d.member_id
       where d.status in ('queued', 'deferred')
         and d.post_id in (select p.id from posts p where p.status = 'sending')
         and (d.attempts = 0 or d.next_attempt_at <= ${now})
       order by d.post_id, d.id
       limit ${limit}
         for update of d skip locked
    )
    update deliveries d
       set status = 'sending', attempts = d.attempts + 1, claimed_at = ${now}, claimed_by = ${claimer}, updated_at = ${now}
      from c
     where d.id = c.id
    returning d.id, d.post_id, d.list_id, d.member_id, d.address, d.attempts, c.member_status`.execute(db);
  return rows;
}

export interface DeliveryOutcome {
  id: number;
  status: 'sent' | 'deferred' | 'bounced' | 'failed';
  category: Category | null;
  error: string | null;
  message_id: string | null;
  next_at: string | null;
}

/** Records a batch of outcomes in one UPDATE. Rows changed meanwhile (a DSN already marked one bounced) are left alone. */
export async function recordDeliveryOutcomes(db: Db, outcomes: DeliveryOutcome[], now: Date): Promise<void> {
  if (outcomes.length === 0) return;
  await sql`
    update deliveries d
       set status = v.status,
           bounce_category = coalesce(v.category, d.bounce_category),
           last_error = v.error,
           message_id = coalesce(v.message_id, d.message_id),
           sent_at = case when v.status = 'sent' then ${now}::timestamptz else d.sent_at end,
           next_attempt_at = coalesce(v.next_at, d.next_attempt_at),
           claimed_at = null,
           claimed_by = null,
           updated_at = ${now}
      from jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb)
           as v(id bigint, status text, category text, error text, message_id text, next_at timestamptz)
     where d.id = v.id and d.status = 'sending'`.execute(db);
}

export interface ClaimedNotice {
  id: number;
  list_id: number | null;
  member_id: number | null;
  to_address: string;
  type: NoticeType;
  audience: 'member' | 'owner';
  payload: Record<string, unknown>;
  attempts: number;
}

export async function claimNotices(db: Db, limit: number, now: Date, claimer: string | null = null): Promise<ClaimedNotice[]> {
  const { rows } = await sql<ClaimedNotice>`
    with c as (
      select n.id from notices n
       where n.status in ('queued', 'deferred') and (n.attempts = 0 or n.next_attempt_at <= ${now})
       order by n.id
       limit ${limit}
         for update of n skip locked
    )
    update notices n
       set status = 'sending', attempts = n.attempts + 1, claimed_at = ${now}, claimed_by = ${claimer}
      from c
     where n.id = c.id
    returning n.id, n.list_id, n.member_id, n.to_address, n.type, n.audience, n.payload, n.attempts`.execute(db);
  return rows;
}

export interface NoticeOutcome {
  id: number;
  status: 'sent' | 'deferred' | 'failed';
  error: string | null;
  next_at: string | null;
}

export async function recordNoticeOutcomes(db: Db, outcomes: NoticeOutcome[], now: Date): Promise<void> {
  if (outcomes.length === 0) return;
  await sql`
    update notices n
       set status = v.status,
           last_error = v.error,
           sent_at = case when v.status = 'sent' then ${now}::timestamptz else n.sent_at end,
           next_attempt_at = coalesce(v.next_at, n.next_attempt_at),
           claimed_at = null,
           claimed_by = null
      from jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb) as v(id bigint, status text, error text, next_at timestamptz)
     where n.id = v.id and n.status = 'sending'`.execute(db);
}

export const INTERRUPTED_MESSAGE = `${INTERRUPTED_PREFIX}: the sender stopped between claiming and recording; not re-sent so that nobody gets it twice`;

/**
 * At-most-once: a row still 'sending' after the lease may or may not have reached the server (the process died
 * between the SMTP reply and the status update). It is failed, never re-sent automatically.
 */
export async function failInterrupted(db: Db, now: Date, leaseMs: number): Promise<{ deliveries: number; notices: number }> {
  const before = new Date(now.getTime() - leaseMs);
  const d = await sql`
    update deliveries set status = 'failed', last_error = ${INTERRUPTED_MESSAGE}, claimed_at = null, claimed_by = null, updated_at = ${now}
     where status = 'sending' and claimed_at <= ${before}`.execute(db);
  const n = await sql`
    update notices set status = 'failed', last_error = ${INTERRUPTED_MESSAGE}, claimed_at = null, claimed_by = null
     where status = 'sending' and claimed_at <= ${before}`.execute(db);
  return { deliveries: Number(d.numAffectedRows ?? 0), notices: Number(n.numAffectedRows ?? 0) };
}

/** Posts with nothing left to send (or retry) become 'sent'. */
export async function finishPosts(db: Db, now: Date): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    update posts p set status = 'sent', finished_at = ${now}
     where p.status = 'sending'
       and not exists (select 1 from deliveries d where d.post_id = p.id and d.status in ('queued', 'deferred', 'sending'))
    returning p.id`.execute(db);
  return rows.map((r) => r.id);
}
