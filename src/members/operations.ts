// Getting back in and leaving (spec section 5): the service-level operations used by the admin UI and the
// signed links. Each is one transaction: lock the member, apply the pure rule, write the row and the audit.
import type { Kysely, Transaction } from 'kysely';
import { audit, type Actor } from '../audit.js';
import type { IsoDate } from '../dates.js';
import type { Database } from '../db/schema.js';
import * as policy from '../policy/state.js';
import { stateFromRow, stateToRow, type Change, type MemberState } from '../policy/state.js';

type Db = Kysely<Database> | Transaction<Database>;

export type OperationName = 'reenable' | 'reset_score' | 'remove' | 'unsubscribe' | 'resubscribe';

export type OperationResult =
  | { ok: true; changed: boolean; memberId: number; listId: number; address: string; before: MemberState; after: MemberState }
  | { ok: false; error: 'member_not_found'; memberId: number };

const ACTIONS: Record<OperationName, { audit: string; rule: (s: MemberState) => Change }> = {
  reenable: { audit: 'member.reenabled', rule: policy.reenable },
  reset_score: { audit: 'member.score_reset', rule: policy.resetScore },
  remove: { audit: 'member.removed', rule: policy.remove },
  unsubscribe: { audit: 'member.unsubscribed', rule: policy.unsubscribe },
  resubscribe: { audit: 'member.resubscribed', rule: policy.resubscribe },
};

async function inTransaction<T>(db: Db, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
}

/** Applies one section-5 operation; an operation that does not apply (re-enable of an enabled member) changes nothing. */
export async function applyOperation(
  db: Db,
  actor: Actor,
  memberId: number,
  today: IsoDate,
  name: OperationName,
  details: Record<string, unknown> = {},
): Promise<OperationResult> {
  return inTransaction(db, async (trx) => {
    const row = await trx
      .selectFrom('members')
      .select([
        'id',
        'list_id',
        'address',
        'status',
        'score',
        'last_bounce_date',
        'last_bounce_increment',
        'warnings_left',
        'last_warning_date',
        'warnings_sent',
        'disabled_on',
      ])
      .where('id', '=', memberId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return { ok: false, error: 'member_not_found', memberId };
    const before = stateFromRow(row);
    const { changed, state: after } = ACTIONS[name].rule(before);
    const base = { ok: true as const, changed, memberId, listId: row.list_id, address: row.address, before, after };
    if (!changed) return base;
    const statusChanged = after.status !== before.status;
    await trx
      .updateTable('members')
      .set({
        ...stateToRow(after),
        updated_at: new Date(),
        ...(statusChanged ? { status_changed_at: new Date() } : {}),
        ...(name === 'resubscribe' ? { subscribed_at: new Date() } : {}),
      })
      .where('id', '=', memberId)
      .execute();
    await audit(trx, actor, {
      action: ACTIONS[name].audit,
      listId: row.list_id,
      memberId,
      details: { ...details, date: today, before: diff(before, after, 'before'), after: diff(before, after, 'after') },
    });
    return base;
  });
}

/** Only the fields that changed, so the audit log reads as a change. */
function diff(before: MemberState, after: MemberState, side: 'before' | 'after'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const b = stateToRow(before) as unknown as Record<string, unknown>;
  const a = stateToRow(after) as unknown as Record<string, unknown>;
  for (const k of Object.keys(a)) if (a[k] !== b[k]) out[k] = side === 'before' ? b[k] : a[k];
  return out;
}

/** Re-enable a member disabled by bounces (signed link or admin). Does nothing on an enabled member. */
export const reenable = (db: Db, actor: Actor, memberId: number, today: IsoDate) =>
  applyOperation(db, actor, memberId, today, 'reenable');

/** Admin "reset score": score 0, last bounce date forgotten, status unchanged. */
export const resetScore = (db: Db, actor: Actor, memberId: number, today: IsoDate) =>
  applyOperation(db, actor, memberId, today, 'reset_score');

/** Admin removal: status `removed` (history kept; the person may resubscribe). */
export const removeMember = (db: Db, actor: Actor, memberId: number, today: IsoDate) =>
  applyOperation(db, actor, memberId, today, 'remove');

/** Unsubscribe (one click, or admin): from enabled or disabled to `unsubscribed`. */
export const unsubscribe = (db: Db, actor: Actor, memberId: number, today: IsoDate) =>
  applyOperation(db, actor, memberId, today, 'unsubscribe');

/** Resubscribe after the double opt-in was confirmed: an unsubscribed or removed member starts clean. */
export const resubscribe = (db: Db, actor: Actor, memberId: number, today: IsoDate) =>
  applyOperation(db, actor, memberId, today, 'resubscribe');
