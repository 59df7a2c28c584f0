// The signed mailto: of List-Unsubscribe (RFC 2369; RFC 8058 section 3.1): `<list>-unsubscribe+<member>.<sig>@host`.
// Mail to it reaches the bounce mailbox (same host) and the intake pipeline unsubscribes that member. The
// address is the credential, as the https link is: the HMAC covers list and member, so it cannot be moved to
// another member or list. Lower-case hex, because mail systems may change the case of a local part. No expiry:
// it sits in old mail, like the unsubscribe link. Pure: the secret is passed in.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UnsubscribeAddressOptions {
  bounceDomain: string;
  secret: string;
}

/** What an address says: not ours (null), ours but not validly signed (memberId null), or a member to unsubscribe. */
export type UnsubscribeAddress = { listName: string; memberId: number | null };

const SUFFIX = '-unsubscribe';

function signature(secret: string, listName: string, memberId: number): string {
  return createHmac('sha256', secret).update(`unsubscribe-mail:${listName}:${memberId}`).digest('hex').slice(0, 16);
}

export function unsubscribeAddress(listName: string, memberId: number, opts: UnsubscribeAddressOptions): string {
  return `${listName}${SUFFIX}+${memberId}.${signature(opts.secret, listName, memberId)}@${opts.bounceDomain}`;
}

/** Reads a recipient address; never throws. */
export function readUnsubscribeAddress(recipient: string, opts: UnsubscribeAddressOptions): UnsubscribeAddress | null {
  const addr = recipient.trim().replace(/^<|>$/g, '').toLowerCase();
  const at = addr.lastIndexOf('@');
  if (at < 0 || addr.slice(at + 1) !== opts.bounceDomain.toLowerCase()) return null;
  const m = /^([a-z0-9][a-z0-9._-]{0,62})-unsubscribe(?:\+(.*))?$/.exec(addr.slice(0, at));
  if (!m) return null;
  const listName = m[1];
  const t = /^(\d{1,15})\.([0-9a-f]{16})$/.exec(m[2] ?? '');
  if (!t) return { listName, memberId: null };
  const memberId = Number(t[1]);
  const ok = timingSafeEqual(Buffer.from(signature(opts.secret, listName, memberId)), Buffer.from(t[2]));
  return { listName, memberId: ok ? memberId : null };
}
