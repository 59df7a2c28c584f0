// What in a classified message can name a member (bounce-policy.md section 2). Pure: no database.
// The poller resolves the clues of a whole batch in a few queries (match.ts), then builds events here.
import type { Classification, FailedRecipient } from '../bounce/types.js';
import { decodeVerp, parseTracking, type VerpOptions, type VerpTarget } from '../bounce/verp.js';
import { readUnsubscribeAddress, type UnsubscribeAddress } from '../links/unsubscribe-address.js';

export interface Clues {
  /** The first VERP recipient the bounce was delivered to: authoritative. */
  verp: VerpTarget | null;
  /** Delivery id from the signed X-Listkeeper-Tracking header of the original post. */
  deliveryId: number | null;
  /** Lists named without a member: `<list>-bounces@<bounceDomain>`, or the original List-Id. */
  listNames: string[];
  /** Addresses to match against members when neither VERP nor tracking names one. */
  addresses: string[];
  /**
   * Mail to a list's unsubscribe address (the List-Unsubscribe mailto): the signed member (memberId null
   * when not validly signed). When set, the message is an unsubscribe request and nothing else.
   */
  unsubscribe: UnsubscribeAddress | null;
}

function plainBounceList(address: string, bounceDomain: string): string | null {
  const m = /^([a-z0-9][a-z0-9._-]{0,62})-bounces@(.+)$/.exec(address.trim().toLowerCase());
  return m && m[2] === bounceDomain.toLowerCase() ? m[1] : null;
}

/** `<name.bounceDomain>` or `name.bounceDomain` → name (the List-Id form the sender uses). */
function listIdName(listId: string, bounceDomain: string): string | null {
  const v = listId.trim().toLowerCase();
  const inner = /<([^>]+)>/.exec(v)?.[1] ?? v;
  const suffix = `.${bounceDomain.toLowerCase()}`;
  if (!inner.endsWith(suffix)) return null;
  const name = inner.slice(0, -suffix.length);
  return /^[a-z0-9][a-z0-9._-]{0,62}$/.test(name) ? name : null;
}

function clean(address: string | null | undefined): string | null {
  if (!address) return null;
  const a = address.trim().replace(/^<|>$/g, '').toLowerCase();
  return /^[^@\s]+@[^@\s]+$/.test(a) ? a : null;
}

export function cluesOf(c: Classification, opts: VerpOptions): Clues {
  let verp: VerpTarget | null = null;
  const listNames = new Set<string>();
  let unsubscribe: UnsubscribeAddress | null = null;
  for (const to of c.ids.deliveredTo) {
    const u = readUnsubscribeAddress(to, opts);
    if (u) {
      if (!unsubscribe || (unsubscribe.memberId === null && u.memberId !== null)) unsubscribe = u;
      continue;
    }
    const v = decodeVerp(to, opts);
    if (v) {
      verp ??= v;
      continue;
    }
    const plain = plainBounceList(to, opts.bounceDomain);
    if (plain) listNames.add(plain);
  }
  if (c.ids.originalListId) {
    const name = listIdName(c.ids.originalListId, opts.bounceDomain);
    if (name) listNames.add(name);
  }
  let deliveryId: number | null = null;
  if (c.ids.originalTracking) {
    const t = parseTracking(c.ids.originalTracking, opts.secret);
    if (t && t.kind === 'post') deliveryId = t.id;
  }
  const addresses = new Set<string>();
  const add = (a: string | null | undefined): void => {
    const x = clean(a);
    if (x) addresses.add(x);
  };
  switch (c.kind) {
    case 'bounce':
    case 'delay':
      for (const r of c.recipients) add(r.address);
      break;
    case 'complaint':
      add(c.complaint?.address);
      for (const r of c.recipients) add(r.address);
      if (addresses.size === 0) add(c.ids.originalTo);
      break;
    case 'autoreply':
      // An auto-reply comes from the member's own mailbox.
      add(c.from);
      break;
    case 'other':
      break;
  }
  return { verp, deliveryId, listNames: [...listNames], addresses: [...addresses], unsubscribe };
}

const SEVERITY: Record<FailedRecipient['category'], number> = { hard: 3, soft: 2, blocked: 1 };

/** The recipient block that describes `address`, else the most severe one: with VERP every block is about that member. */
export function recipientFor(c: Classification, address: string | null): FailedRecipient | null {
  if (c.recipients.length === 0) return null;
  const own = address ? c.recipients.filter((r) => r.address === address) : [];
  const pool = own.length > 0 ? own : c.recipients;
  return pool.reduce((best, r) => (SEVERITY[r.category] > SEVERITY[best.category] ? r : best));
}

/** A success DSN (RFC 3464 Action: delivered/relayed/expanded) that the classifier files as `other`. */
export function isSuccessDsn(c: Classification, raw: Uint8Array): boolean {
  if (c.kind !== 'other') return false;
  const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, 200_000)).toString('latin1');
  return /report-type\s*=\s*"?delivery-status/i.test(head) && /^Action:\s*(delivered|relayed|expanded)\b/im.test(head);
}
