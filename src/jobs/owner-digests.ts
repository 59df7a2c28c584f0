// Owners hear about a job run in one mail per kind (owner_disabled, owner_removed) and list, not one per member:
// 20,000 members disabled on a big list make one digest per owner naming the first DIGEST_LIST_LIMIT of them and
// counting the rest. The job notes each member in owner_digest_items in the same statement that changes it; this
// turns a list's notes into digests and deletes them, in one statement, so a note is mailed once or not yet,
// never twice. The dedupe key (kind, run, list, owner) is stable besides.
import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import { ownerRecipientsSql } from '../members/owner-recipients.js';

export const DIGEST_LIST_LIMIT = 500;

/**
 * Queues the digests of the notes of one list (`listId`), or of every run before `beforeRun` (what a run that
 * died left). Returns how many notices were queued.
 */
export async function sendOwnerDigests(
  db: Db,
  scope: { listId: number; limit?: number } | { beforeRun: number; limit?: number },
): Promise<number> {
  const limit = Math.min(Math.max(1, Math.floor(scope.limit ?? DIGEST_LIST_LIMIT)), 1_000_000_000);
  const which = 'listId' in scope ? sql`list_id = ${scope.listId}` : sql`job_run_id < ${scope.beforeRun}`;
  const { rows } = await sql<{ n: number }>`
    with items as (
      delete from owner_digest_items where ${which}
      returning job_run_id, list_id, type, member_id, address, score
    ),
    ranked as (
      select i.*, row_number() over (partition by job_run_id, list_id, type order by address, member_id) as rn from items i
    ),
    digests as (
      select job_run_id, list_id, type, count(*)::int as n,
             coalesce(jsonb_agg(jsonb_build_object('memberId', member_id, 'address', address, 'score', score)
                                order by address, member_id) filter (where rn <= ${limit}), '[]'::jsonb) as members
        from ranked
       group by job_run_id, list_id, type
    ),
    ins as (
      insert into notices (list_id, member_id, to_address, type, audience, payload, dedupe_key)
      select d.list_id, null, o.address, d.type, 'owner',
             jsonb_build_object('listId', d.list_id, 'runId', d.job_run_id, 'count', d.n, 'one', d.n = 1,
                                'members', d.members, 'more', greatest(d.n - ${limit}, 0)),
             d.type || ':run:' || d.job_run_id || ':' || d.list_id || ':' || o.address
        from digests d
        join ${ownerRecipientsSql(sql`select list_id from digests`)} o on o.list_id = d.list_id
      on conflict (dedupe_key) do nothing
      returning 1
    )
    select count(*)::int as n from ins`.execute(db);
  return rows[0]?.n ?? 0;
}
