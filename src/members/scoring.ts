// Recording bounce events and applying the scoring rules (spec section 3) to members, set-based:
// one round trip per step for a whole batch, whatever its size.
import { sql, type Kysely, type Transaction } from 'kysely';
import { SYSTEM } from '../audit.js';
import type { IsoDate } from '../dates.js';
import type { Database } from '../db/schema.js';
import { ownerRecipientsSql } from './owner-recipients.js';

export interface BounceEventInput {
  listId: number | null;
  memberId: number | null;
  address: string;
  kind: 'bounce' | 'delay' | 'complaint' | 'autoreply';
  category: 'hard' | 'soft' | 'blocked' | null;
  reason: string | null;
  status: string | null;
  diagnostic: string | null;
  remoteMta: string | null;
  feedbackType?: string | null;
  source: 'imap' | 'http' | 'cli' | 'smtp';
  inboundMessageId?: number | null;
  deliveryId?: number | null;
}

/**
 * What an event did. The scoring effects are those of the pure core (policy/scoring.ts); besides:
 * `no_member` (names no member: kept for the admins), `complaint` (recorded, the list keeps the member),
 * `unsubscribed` (a complaint unsubscribed the member), `duplicate` (already recorded for that message:
 * nothing inserted).
 */
export type RecordedEffect =
  | 'scored'
  | 'stale_reset'
  | 'raised'
  | 'same_day'
  | 'not_enabled'
  | 'zero_weight'
  | 'not_processed'
  | 'no_member'
  | 'complaint'
  | 'unsubscribed'
  | 'duplicate';

export interface RecordedEvent {
  /** Position in the input array. */
  index: number;
  /** The bounce_events row; null when it was a duplicate. */
  id: number | null;
  listId: number | null;
  memberId: number | null;
  weight: number;
  effect: RecordedEffect;
  /** True when the member's score changed. */
  scored: boolean;
}

type Db = Kysely<Database> | Transaction<Database>;

const SCORING_EFFECTS = new Set<RecordedEffect>(['scored', 'stale_reset', 'raised']);

/**
 * Inserts the events and applies them to the members' scores as of `today`. Within a batch (and across
 * batches of the same day) a member's day increment is the largest weight, whatever the order.
 * Runs in the caller's transaction when given one, else in its own.
 */
export async function recordBounceEvents(db: Db, events: BounceEventInput[], today: IsoDate): Promise<RecordedEvent[]> {
  if (events.length === 0) return [];
  if (!db.isTransaction) return db.transaction().execute((trx) => recordBounceEvents(trx, events, today));

  const rows = events.map((e, i) => ({
    ord: i,
    list_id: e.listId,
    member_id: e.memberId,
    inbound_message_id: e.inboundMessageId ?? null,
    delivery_id: e.deliveryId ?? null,
    source: e.source,
    kind: e.kind,
    category: e.category,
    reason: e.reason,
    address: e.address,
    status: e.status,
    diagnostic: e.diagnostic,
    remote_mta: e.remoteMta,
    feedback_type: e.feedbackType ?? null,
  }));

  // One statement: resolve members, weigh, decide each event's effect from the members' state before the
  // batch (per member, the batch's event of largest weight is the one that may count; ties: the first),
  // insert the events with their effect, and update the scores. An event already recorded for the same
  // message (the unique index) is skipped before it is weighed, so a redelivered message scores nothing.
  const result = await sql<{ ord: number; id: number | null; list_id: number | null; member_id: number | null; weight: number | null; effect: RecordedEffect | null }>`
    with x as materialized (
      select nextval(pg_get_serial_sequence('bounce_events', 'id')) as id, r.*
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
          ord int, list_id int, member_id bigint, inbound_message_id bigint, delivery_id bigint, source text,
          kind text, category text, reason text, address text, status text, diagnostic text, remote_mta text,
          feedback_type text)
    ),
    resolved as (
      select x.*, m.id as m_id, coalesce(m.list_id, x.list_id) as l_id, m.status as m_status,
             m.last_bounce_date as m_last_bounce_date, m.last_bounce_increment as m_last_bounce_increment,
             row_number() over (partition by x.inbound_message_id, coalesce(m.list_id, x.list_id), x.address, x.kind
                                order by x.ord) as copy
        from x
        left join members m on m.id = coalesce(
          x.member_id,
          (select mm.id from members mm where mm.list_id = x.list_id and mm.address = lower(btrim(x.address))))
    ),
    fresh as (
      select r.*,
             case when r.kind <> 'bounce' then 0
                  when r.category = 'soft' then 0.5
                  when r.category = 'blocked' then coalesce(l.blocked_weight, 0)
                  else 1 end::numeric(3,1) as weight,
             l.process_bounces, l.stale_after_days
        from resolved r left join lists l on l.id = r.l_id
       where r.inbound_message_id is null
          or (r.copy = 1 and not exists (
                select 1 from bounce_events b
                 where b.inbound_message_id = r.inbound_message_id and b.list_id = r.l_id
                   and b.address = r.address and b.kind = r.kind))
    ),
    ranked as (
      select f.*, row_number() over (partition by f.m_id order by f.weight desc, f.ord) as rn from fresh f
    ),
    calc as (
      select k.*,
             case
               when k.m_id is null then 'no_member'
               when k.kind = 'complaint' then 'complaint'
               when not k.process_bounces then 'not_processed'
               when k.weight <= 0 then 'zero_weight'
               when k.m_status <> 'enabled' then 'not_enabled'
               when k.rn > 1 then 'same_day'
               when k.m_last_bounce_date is not null and k.m_last_bounce_date + k.stale_after_days < ${today}::date
                 then 'stale_reset'
               when k.m_last_bounce_date = ${today}::date
                 then case when k.weight > k.m_last_bounce_increment then 'raised' else 'same_day' end
               else 'scored'
             end as effect
        from ranked k
    ),
    ins as (
      insert into bounce_events (id, list_id, member_id, inbound_message_id, delivery_id, source, kind, category,
                                 reason, address, status, diagnostic, remote_mta, feedback_type, event_date, weight,
                                 scored_on, effect)
      overriding system value
      select c.id, c.l_id, c.m_id, c.inbound_message_id, c.delivery_id, c.source, c.kind, c.category,
             c.reason, c.address, c.status, c.diagnostic, c.remote_mta, c.feedback_type, ${today}::date, c.weight,
             case when c.effect in ('scored', 'stale_reset', 'raised') then ${today}::date end, c.effect
        from calc c
       order by c.ord
      on conflict (inbound_message_id, list_id, address, kind) where inbound_message_id is not null do nothing
      returning id
    ),
    upd as (
      -- The rules again on the row as it is when locked (not the snapshot calc read), so a concurrent batch
      -- for the same member the same day cannot add a second increment, nor score a member just disabled.
      update members m
         set score = case
                       when m.last_bounce_date is not null and m.last_bounce_date + l.stale_after_days < ${today}::date
                         then c.weight
                       when m.last_bounce_date = ${today}::date then m.score + c.weight - m.last_bounce_increment
                       else m.score + c.weight end,
             last_bounce_increment = c.weight,
             last_bounce_date = ${today}::date,
             updated_at = now()
        from calc c, lists l
       where m.id = c.m_id and l.id = m.list_id and c.effect in ('scored', 'stale_reset', 'raised')
         and m.status = 'enabled' and l.process_bounces
         and (m.last_bounce_date is distinct from ${today}::date or c.weight > m.last_bounce_increment)
    )
    select x.ord, ins.id, c.l_id as list_id, c.m_id as member_id, c.weight, c.effect
      from x
      left join calc c on c.id = x.id
      left join ins on ins.id = x.id
     order by x.ord`.execute(db);

  const inserted = result.rows;
  const ids = inserted.filter((r) => r.id !== null).map((r) => Number(r.id));
  const effects = new Map<number, RecordedEffect>();
  for (const r of inserted) if (r.id !== null && r.effect) effects.set(Number(r.id), r.effect);
  if (ids.length > 0) {
    // 3. Complaints: unsubscribe (list option), audit as the system, tell the owners.
    if (events.some((e) => e.kind === 'complaint')) {
      const unsubscribed = await sql<{ event_id: number }>`
        with c as (
          select distinct on (be.member_id) be.id as event_id, be.member_id, m.list_id, m.status as before
            from bounce_events be
            join members m on m.id = be.member_id
            join lists l on l.id = m.list_id
           where be.id in (select (jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))::bigint)
             and be.kind = 'complaint' and l.unsubscribe_on_complaint
             and m.status in ('enabled', 'disabled_by_bounce', 'pending')
           order by be.member_id, be.id
        ),
        u as (
          update members m set status = 'unsubscribed', status_changed_at = now(), updated_at = now()
            from c where m.id = c.member_id
          returning m.id, m.list_id, m.address, c.event_id, c.before
        ),
        ev as (update bounce_events b set effect = 'unsubscribed' from u where b.id = u.event_id),
        aud as (
          insert into audit_log (actor_type, actor_id, actor_label, action, list_id, member_id, details)
          select ${SYSTEM.type}, null, ${SYSTEM.label}, 'member.unsubscribed_by_complaint', u.list_id, u.id,
                 jsonb_build_object('eventId', u.event_id, 'before', jsonb_build_object('status', u.before),
                                    'after', jsonb_build_object('status', 'unsubscribed'), 'date', ${today}::text)
            from u
        ),
        n as (
          insert into notices (list_id, member_id, to_address, type, audience, payload, dedupe_key)
          select u.list_id, u.id, o.address, 'owner_complaint', 'owner',
                 jsonb_build_object('memberId', u.id, 'listId', u.list_id, 'eventId', u.event_id),
                 'owner_complaint:' || u.event_id || ':' || o.address
            from u join ${ownerRecipientsSql(sql`select list_id from u`)} o on o.list_id = u.list_id
          on conflict (dedupe_key) do nothing
        )
        select event_id from u`.execute(db);
      for (const r of unsubscribed.rows) effects.set(Number(r.event_id), 'unsubscribed');
    }
  }

  return inserted.map((r) => {
    const id = r.id === null ? null : Number(r.id);
    const effect: RecordedEffect = id === null ? 'duplicate' : (effects.get(id) ?? 'no_member');
    return {
      index: r.ord,
      id,
      listId: r.list_id,
      memberId: r.member_id === null ? null : Number(r.member_id),
      weight: Number(r.weight ?? 0),
      effect,
      scored: SCORING_EFFECTS.has(effect),
    };
  });
}
