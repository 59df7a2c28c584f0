// Which members a batch of classified messages is about (bounce-policy.md section 2): VERP first, then the
// signed tracking header of the original post, then the addresses the classifier found matched against
// members (within the lists the message names, if it names any). A whole batch is resolved in 3-4 queries.
import type { Kysely } from 'kysely';
import type { Classification } from '../bounce/types.js';
import type { Database, DeliveryStatus } from '../db/schema.js';
import type { BounceEventInput } from '../members/scoring.js';
import { isSuccessDsn, recipientFor, type Clues } from './clues.js';

/** One event to record, before it is tied to its stored message and door (members/scoring.ts). */
export type MatchedEvent = Omit<BounceEventInput, 'source' | 'inboundMessageId' | 'listId' | 'memberId'> & {
  listId: number;
  memberId: number;
};

export interface DeliveryUpdate {
  deliveryId: number;
  /**
   * null = only note the diagnostic. A delay DSN makes the delivery `delayed`, not `deferred`: that status
   * means "our queue retries it" (sending/queue.ts), and the remote MTA is the one still trying.
   */
  status: Extract<DeliveryStatus, 'bounced' | 'complained' | 'delivered' | 'delayed'> | null;
  category: 'hard' | 'soft' | 'blocked' | null;
  error: string | null;
}

/** Mail to a member's signed unsubscribe address: that member leaves the list. */
export interface UnsubscribeRequest {
  memberId: number;
  listId: number;
  address: string;
}

export interface MatchResult {
  events: MatchedEvent[];
  delivery: DeliveryUpdate | null;
  /** How the member was found; null when no member was. */
  via: 'verp' | 'tracking' | 'address' | 'unsubscribe' | null;
  /**
   * Set when the message was mail to a list's unsubscribe address: the member to unsubscribe, or null when
   * the address was not validly signed or names no member of that list (then nothing changes).
   */
  unsubscribe?: UnsubscribeRequest | null;
}

export interface MatchInput {
  classification: Classification;
  clues: Clues;
  raw: Uint8Array;
}

interface MemberRow {
  id: number;
  list_id: number;
  address: string;
}

interface DeliveryRow {
  id: number;
  list_id: number;
  member_id: number | null;
}

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];

export async function matchBatch(db: Kysely<Database>, inputs: MatchInput[]): Promise<MatchResult[]> {
  const listNames = uniq(
    inputs.flatMap((i) => [
      ...i.clues.listNames,
      ...(i.clues.verp ? [i.clues.verp.listName] : []),
      ...(i.clues.unsubscribe ? [i.clues.unsubscribe.listName] : []),
    ]),
  );
  const deliveryIds = uniq(inputs.map((i) => i.clues.deliveryId).filter((x): x is number => x !== null));
  const [lists, deliveries] = await Promise.all([
    listNames.length
      ? db.selectFrom('lists').select(['id', 'name']).where('name', 'in', listNames).execute()
      : Promise.resolve([]),
    deliveryIds.length
      ? db.selectFrom('deliveries').select(['id', 'list_id', 'member_id']).where('id', 'in', deliveryIds).execute()
      : Promise.resolve([] as DeliveryRow[]),
  ]);
  const listByName = new Map(lists.map((l) => [l.name, l.id]));
  const deliveryById = new Map(deliveries.map((d) => [Number(d.id), d as DeliveryRow]));

  const memberIds = uniq([
    ...inputs.map((i) => i.clues.verp?.memberId).filter((x): x is number => typeof x === 'number'),
    ...inputs.map((i) => i.clues.unsubscribe?.memberId).filter((x): x is number => typeof x === 'number'),
    ...deliveries.map((d) => d.member_id).filter((x): x is number => x !== null),
  ]);
  const addresses = uniq(
    inputs.flatMap((i) => [...i.clues.addresses, ...(i.clues.verp?.address ? [i.clues.verp.address] : [])]),
  );
  const members: MemberRow[] =
    memberIds.length || addresses.length
      ? await db
          .selectFrom('members')
          .select(['id', 'list_id', 'address'])
          .where((eb) =>
            eb.or([
              ...(memberIds.length ? [eb('id', 'in', memberIds)] : []),
              ...(addresses.length ? [eb('address', 'in', addresses)] : []),
            ]),
          )
          .execute()
      : [];
  const memberById = new Map(members.map((m) => [Number(m.id), m]));
  const membersByAddress = new Map<string, MemberRow[]>();
  for (const m of members) {
    const xs = membersByAddress.get(m.address) ?? [];
    if (!xs.some((x) => x.id === m.id)) xs.push(m);
    membersByAddress.set(m.address, xs);
  }

  return inputs.map((input) => resolveOne(input, listByName, memberById, membersByAddress, deliveryById));
}

function resolveOne(
  { classification: c, clues, raw }: MatchInput,
  listByName: Map<string, number>,
  memberById: Map<number, MemberRow>,
  membersByAddress: Map<string, MemberRow[]>,
  deliveryById: Map<number, DeliveryRow>,
): MatchResult {
  if (clues.unsubscribe) {
    // Addressed to the unsubscribe address, the message is a request and nothing else, whatever it says.
    const u = clues.unsubscribe;
    const listId = listByName.get(u.listName);
    const m = u.memberId !== null ? memberById.get(u.memberId) : undefined;
    const request = m && listId !== undefined && Number(m.list_id) === listId ? { memberId: Number(m.id), listId, address: m.address } : null;
    return { events: [], delivery: null, via: request ? 'unsubscribe' : null, unsubscribe: request };
  }
  let targets: MemberRow[] = [];
  let via: MatchResult['via'] = null;

  if (clues.verp) {
    const listId = listByName.get(clues.verp.listName);
    if (listId !== undefined) {
      const m =
        clues.verp.memberId !== null
          ? memberById.get(clues.verp.memberId)
          : (membersByAddress.get(clues.verp.address) ?? []).find((x) => x.list_id === listId);
      if (m && m.list_id === listId) {
        targets = [m];
        via = 'verp';
      }
    }
  }
  const delivery = clues.deliveryId !== null ? (deliveryById.get(clues.deliveryId) ?? null) : null;
  if (targets.length === 0 && delivery?.member_id != null) {
    const m = memberById.get(Number(delivery.member_id));
    if (m) {
      targets = [m];
      via = 'tracking';
    }
  }
  if (targets.length === 0 && c.kind !== 'other') {
    const scope = new Set(
      [...clues.listNames, ...(clues.verp ? [clues.verp.listName] : [])]
        .map((n) => listByName.get(n))
        .filter((x): x is number => x !== undefined),
    );
    for (const a of clues.addresses) {
      for (const m of membersByAddress.get(a) ?? []) {
        if (scope.size === 0 || scope.has(m.list_id)) targets.push(m);
      }
    }
    if (targets.length) via = 'address';
  }

  const ownDelivery = (m: MemberRow): number | null =>
    delivery && delivery.member_id != null && Number(delivery.member_id) === Number(m.id) ? Number(delivery.id) : null;

  const events: MatchedEvent[] = [];
  const seen = new Set<string>();
  if (c.kind !== 'other') {
    for (const m of targets) {
      const key = `${m.list_id}|${m.address}|${c.kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const r = c.kind === 'bounce' || c.kind === 'delay' ? recipientFor(c, m.address) : null;
      events.push({
        listId: Number(m.list_id),
        memberId: Number(m.id),
        address: m.address,
        kind: c.kind,
        // A bounce whose reason cannot be determined counts as hard (spec section 1).
        category: c.kind === 'bounce' ? (r?.category ?? 'hard') : null,
        reason: c.kind === 'bounce' ? (r?.reason ?? 'undefined') : (r?.reason ?? null),
        status: r?.status ?? null,
        diagnostic: r?.diagnostic ?? null,
        remoteMta: r?.remoteMta ?? null,
        feedbackType: c.kind === 'complaint' ? (c.complaint?.feedbackType ?? null) : null,
        deliveryId: ownDelivery(m),
      });
    }
  }

  // The delivery row follows what came back about it, when the message names it and concerns its member.
  let update: DeliveryUpdate | null = null;
  const deliveryId = targets.length === 1 ? ownDelivery(targets[0]) : delivery && targets.length === 0 ? Number(delivery.id) : null;
  if (deliveryId !== null) {
    const ev = events[0];
    if (c.kind === 'bounce') {
      update = { deliveryId, status: 'bounced', category: ev?.category ?? 'hard', error: ev?.diagnostic ?? null };
    } else if (c.kind === 'complaint') {
      update = { deliveryId, status: 'complained', category: null, error: null };
    } else if (c.kind === 'delay') {
      update = { deliveryId, status: 'delayed', category: null, error: ev?.diagnostic ?? 'delayed (the remote server is still trying)' };
    } else if (c.kind === 'other' && isSuccessDsn(c, raw)) {
      update = { deliveryId, status: 'delivered', category: null, error: null };
    }
  }
  return { events, delivery: update, via };
}

/**
 * Which current statuses a delivery may leave for `next`: news only moves forward (a complaint beats a bounce
 * beats a success beats a delay). A delay after a delay only notes the newer diagnostic.
 */
export const DELIVERY_FROM: Record<NonNullable<DeliveryUpdate['status']> | 'note', DeliveryStatus[]> = {
  complained: ['queued', 'sending', 'sent', 'delayed', 'delivered', 'deferred', 'failed', 'bounced'],
  bounced: ['queued', 'sending', 'sent', 'delayed', 'delivered', 'deferred', 'failed'],
  delivered: ['sent', 'delayed'],
  delayed: ['sent', 'delayed'],
  note: ['sent', 'delivered'],
};
