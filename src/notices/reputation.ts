// The sender-reputation alarm: when receiving servers refuse "us" (category blocked) for a noticeable share of a
// list's mail in a day, the owners are told once that day. Called after send-time rejections are recorded and
// by the intake/job after DSNs (`checkSenderReputation(db, [listId], today, now)`).
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { IsoDate } from '../dates.js';
import { ownerRecipientsSql } from '../members/owner-recipients.js';

/** At least this many blocked refusals in a day ... */
export const REPUTATION_MIN_BLOCKED = 10;
/** ... and at least this share of the list's mail handed out in the last 24 hours. */
export const REPUTATION_MIN_SHARE = 0.05;

export interface ReputationVerdict {
  alarm: boolean;
  blocked: number;
  handed: number;
}

/** Pure: is this a spike worth waking the owners? */
export function reputationAlarm(blocked: number, handed: number): ReputationVerdict {
  const alarm = blocked >= REPUTATION_MIN_BLOCKED && blocked >= REPUTATION_MIN_SHARE * Math.max(handed, blocked);
  return { alarm, blocked, handed };
}

/** Checks each list and queues one owner_reputation notice per owner per list per day. Returns the lists alarmed. */
export async function checkSenderReputation(
  db: Db,
  listIds: readonly number[],
  today: IsoDate,
  now: Date,
  fallbackOwner: string,
): Promise<number[]> {
  const alarmed: number[] = [];
  for (const listId of new Set(listIds)) {
    const { rows } = await sql<{ blocked: number; handed: number }>`
      select (select count(*) from bounce_events
               where list_id = ${listId} and event_date = ${today}::date and kind = 'bounce' and category = 'blocked')::int as blocked,
             (select count(*) from deliveries
               where list_id = ${listId} and updated_at > ${new Date(now.getTime() - 86_400_000)}
                 and status not in ('queued', 'sending'))::int as handed`.execute(db);
    const verdict = reputationAlarm(rows[0]?.blocked ?? 0, rows[0]?.handed ?? 0);
    if (!verdict.alarm) continue;
    const examples = await sql<{ diagnostic: string }>`
      select distinct diagnostic from bounce_events
       where list_id = ${listId} and event_date = ${today}::date and category = 'blocked' and diagnostic is not null
       limit 3`.execute(db);
    const payload = JSON.stringify({
      listId,
      blocked: verdict.blocked,
      handed: verdict.handed,
      date: today,
      examples: examples.rows.map((r) => r.diagnostic.slice(0, 300)),
    });
    await sql`
      insert into notices (list_id, member_id, to_address, type, audience, payload, dedupe_key, next_attempt_at)
      select ${listId}, null, o.address, 'owner_reputation', 'owner', ${payload}::jsonb,
             'owner_reputation:' || ${listId} || ':' || ${today} || ':' || o.address, ${now}
        from (select address from ${ownerRecipientsSql(sql`${listId}`)} x
              union all
              select ${fallbackOwner}::text where not exists (select 1 from ${ownerRecipientsSql(sql`${listId}`)} y)) o
      on conflict (dedupe_key) do nothing`.execute(db);
    alarmed.push(listId);
  }
  return alarmed;
}
