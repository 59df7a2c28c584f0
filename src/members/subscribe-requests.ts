// Subscribers without an account: "subscribe me" (double opt-in) and "send me my manage link".
// Both answer the same whatever the address's state, so the public form never tells who is subscribed;
// what differs is only the mail the address itself receives.
import type { Kysely, Transaction } from 'kysely';
import { audit, type Actor } from '../audit.js';
import { entryAddress } from './address.js';
import type { Clock } from '../clock.js';
import type { Database, MemberStatus, NoticeType } from '../db/schema.js';
import { queueNotice } from '../notices/index.js';
import { resubscribe } from './operations.js';

type Db = Kysely<Database>;

/** One confirm/manage mail per address and list in this window, whoever asks how often. */
export const RESEND_AFTER_MINUTES = 10;

export type SubscribeOutcome =
  /** Something was mailed to the address (a confirm link, or a manage link when already subscribed). */
  | { ok: true; mailed: NoticeType; memberId: number }
  /** Asked again within the resend window: nothing more mailed (the page says the same). */
  | { ok: true; mailed: null; memberId: number }
  | { ok: false; error: 'bad_address' | 'no_list' };

export interface SubscribeContext {
  db: Db;
  clock: Clock;
}

function memberActor(address: string): Actor {
  return { type: 'member', id: null, label: address };
}

async function recentlyMailed(trx: Transaction<Database>, memberId: number, types: NoticeType[], now: Date): Promise<boolean> {
  const since = new Date(now.getTime() - RESEND_AFTER_MINUTES * 60_000);
  const row = await trx
    .selectFrom('notices')
    .select('id')
    .where('member_id', '=', memberId)
    .where('type', 'in', types)
    .where('created_at', '>', since)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Double opt-in. A new address becomes a `pending` member; a pending, unsubscribed or removed one keeps its
 * status until it confirms (the confirm link resubscribes it, starting clean). Each gets a confirm link.
 * An address already on the list (enabled, or disabled by bounces) gets its manage link instead.
 */
export async function requestSubscription(
  ctx: SubscribeContext,
  listName: string,
  rawAddress: string,
  displayName = '',
): Promise<SubscribeOutcome> {
  const address = entryAddress(rawAddress);
  if (!address) return { ok: false, error: 'bad_address' };
  const list = await ctx.db.selectFrom('lists').select(['id', 'name', 'display_name']).where('name', '=', listName).executeTakeFirst();
  if (!list) return { ok: false, error: 'no_list' };
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    // Insert-or-lock in one statement so two simultaneous requests cannot both create the member.
    const inserted = await trx
      .insertInto('members')
      .values({ list_id: list.id, address, display_name: displayName.slice(0, 200), status: 'pending' })
      .onConflict((oc) => oc.columns(['list_id', 'address']).doNothing())
      .returning(['id', 'status'])
      .executeTakeFirst();
    const member =
      inserted ??
      (await trx
        .selectFrom('members')
        .select(['id', 'status'])
        .where('list_id', '=', list.id)
        .where('address', '=', address)
        .forUpdate()
        .executeTakeFirstOrThrow());
    const status: MemberStatus = member.status;
    if (inserted) {
      await audit(trx, memberActor(address), {
        action: 'member.subscribe_requested',
        listId: list.id,
        memberId: member.id,
        details: { address },
      });
    }
    const onList = status === 'enabled' || status === 'disabled_by_bounce';
    const type: NoticeType = onList ? 'manage' : 'confirm';
    if (!inserted && (await recentlyMailed(trx, member.id, ['confirm', 'manage'], now))) {
      return { ok: true, mailed: null, memberId: member.id };
    }
    // The signed link is made when the notice is rendered (notices/render.ts), so no token sits in the table.
    await queueNotice(trx, { type, listId: list.id, memberId: member.id, to: address, now });
    return { ok: true, mailed: type, memberId: member.id };
  });
}

export type ManageOutcome = { ok: true; mailed: boolean } | { ok: false; error: 'bad_address' };

/**
 * "Manage my subscriptions": mails the address one signed manage link if it is on any list (the manage page
 * shows every list of that address). Unknown addresses get nothing; the caller answers the same either way.
 */
export async function requestManageLink(ctx: SubscribeContext, rawAddress: string): Promise<ManageOutcome> {
  const address = entryAddress(rawAddress);
  if (!address) return { ok: false, error: 'bad_address' };
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const member = await trx
      .selectFrom('members as m')
      .select(['m.id', 'm.list_id'])
      .where('m.address', '=', address)
      .where('m.status', 'in', ['enabled', 'disabled_by_bounce', 'pending', 'unsubscribed'])
      .orderBy('m.id')
      .limit(1)
      .executeTakeFirst();
    if (!member) return { ok: true, mailed: false };
    if (await recentlyMailed(trx, member.id, ['manage'], now)) return { ok: true, mailed: false };
    await queueNotice(trx, { type: 'manage', listId: member.list_id, memberId: member.id, to: address, now });
    return { ok: true, mailed: true };
  });
}

export type ConfirmOutcome =
  /** The member is subscribed now (or was already, when the request was still open). */
  | { ok: true; state: 'confirmed'; resubscribed: boolean }
  /** This request, or a later one of the same member, was used already: nothing changes, no mail. */
  | { ok: true; state: 'used' }
  /** The member is gone or not on that list: the caller answers as if confirmed (reveals nothing). */
  | { ok: false; state: 'not_member' };

/** The confirm link as verified: whose, which list, and (links since migration 0010) which request. */
export interface ConfirmRequest {
  memberId: number;
  listId: number;
  requestId?: number;
}

/**
 * Uses a confirm link, once. A link bound to its request (the confirm notice) works while that request is
 * open; using it closes every open confirm request of the member, so neither a replay nor an older mail can
 * resubscribe someone who has unsubscribed since. Links signed before requests were bound to them work only
 * while the member still awaits its first confirmation (pending). One transaction, the member row locked:
 * two clicks at once confirm once.
 */
export async function confirmSubscription(
  ctx: SubscribeContext,
  request: ConfirmRequest,
  actor: Actor,
): Promise<ConfirmOutcome> {
  const now = ctx.clock.now();
  const today = ctx.clock.today();
  return ctx.db.transaction().execute(async (trx): Promise<ConfirmOutcome> => {
    const member = await trx
      .selectFrom('members')
      .select(['id', 'list_id', 'address', 'status'])
      .where('id', '=', request.memberId)
      .forUpdate()
      .executeTakeFirst();
    if (!member || member.list_id !== request.listId) return { ok: false, state: 'not_member' };
    const open =
      request.requestId === undefined
        ? member.status === 'pending'
        : (await confirmRequests(trx, member.id).where('id', '=', request.requestId).where('used_at', 'is', null).executeTakeFirst()) !== undefined;
    if (!open) return { ok: true, state: 'used' };
    await trx.updateTable('notices').set({ used_at: now }).where('member_id', '=', member.id).where('type', '=', 'confirm').where('used_at', 'is', null).execute();
    const r = await resubscribe(trx, actor, member.id, today);
    const resubscribed = r.ok && r.changed;
    if (resubscribed) {
      await queueNotice(trx, {
        type: 'welcome',
        listId: member.list_id,
        memberId: member.id,
        to: member.address,
        dedupeKey: `welcome:${member.id}:${now.toISOString()}`,
        now,
      });
    }
    return { ok: true, state: 'confirmed', resubscribed };
  });
}

/** Whether a confirm link would still work (the page shows the button, or says it was used). Reads only. */
export async function confirmLinkOpen(db: Db, request: ConfirmRequest): Promise<boolean> {
  if (request.requestId === undefined) {
    const m = await db.selectFrom('members').select('status').where('id', '=', request.memberId).executeTakeFirst();
    return m === undefined || m.status === 'pending';
  }
  const row = await confirmRequests(db, request.memberId).where('id', '=', request.requestId).where('used_at', 'is', null).executeTakeFirst();
  if (row) return true;
  // A request of a member that no longer exists reads as open: the answer must not reveal who is subscribed.
  return (await db.selectFrom('members').select('id').where('id', '=', request.memberId).executeTakeFirst()) === undefined;
}

function confirmRequests(db: Db | Transaction<Database>, memberId: number) {
  return db.selectFrom('notices').select('id').where('member_id', '=', memberId).where('type', '=', 'confirm');
}
