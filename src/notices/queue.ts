// Putting a notice in the outgoing queue. The sender (src/sending/worker.ts) renders and sends it later, after
// the caller's transaction commits, so a rolled-back change never mails anyone.
import type { Kysely, Transaction } from 'kysely';
import type { Database, NoticeType } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export const OWNER_NOTICE_TYPES: ReadonlySet<NoticeType> = new Set([
  'owner_disabled',
  'owner_removed',
  'owner_complaint',
  'owner_reputation',
]);

export interface QueueNoticeInput {
  type: NoticeType;
  listId: number | null;
  memberId?: number | null;
  /** The recipient address. */
  to: string;
  /** Template values; links missing here are made at send time from memberId/listId. */
  payload?: Record<string, unknown>;
  /** A notice with a key already queued is not queued again (a rerun of a job). */
  dedupeKey?: string | null;
  /** Default: from the type (owner_* go to owners). */
  audience?: 'member' | 'owner';
  /** The clock's now: when it may be sent (first attempt). */
  now: Date;
}

/** Queues one notice; returns its id, or null when the dedupe key was already used. */
export async function queueNotice(db: Db, n: QueueNoticeInput): Promise<number | null> {
  const row = await db
    .insertInto('notices')
    .values({
      list_id: n.listId,
      member_id: n.memberId ?? null,
      to_address: n.to.trim().toLowerCase(),
      type: n.type,
      audience: n.audience ?? (OWNER_NOTICE_TYPES.has(n.type) ? 'owner' : 'member'),
      payload: JSON.stringify(n.payload ?? {}),
      dedupe_key: n.dedupeKey ?? null,
      next_attempt_at: n.now,
      created_at: n.now,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row ? row.id : null;
}
