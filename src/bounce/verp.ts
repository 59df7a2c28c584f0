// VERP return paths: `<list>-bounces+<local>=<domain>@<host>`, or a signed token form when the encoded
// local part would pass 64 characters (RFC 5321's limit). Pure: the secret is passed in.
import { createHmac } from 'node:crypto';

const MAX_LOCAL = 64;
const TOKEN_PREFIX = 't.';

export interface VerpOptions {
  bounceDomain: string;
  secret: string;
}

export type VerpTarget =
  | { listName: string; address: string; memberId: null }
  | { listName: string; address: null; memberId: number };

function tokenSignature(secret: string, listName: string, memberId: number): string {
  return createHmac('sha256', secret).update(`verp:${listName}:${memberId}`).digest('base64url').slice(0, 12).toLowerCase();
}

/** The envelope sender for one recipient of a list. */
export function encodeVerp(
  listName: string,
  recipient: { address: string; memberId: number },
  opts: VerpOptions,
): string {
  const address = recipient.address.toLowerCase();
  const at = address.lastIndexOf('@');
  const local = `${listName}-bounces+${address.slice(0, at)}=${address.slice(at + 1)}`;
  if (local.length <= MAX_LOCAL && /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local)) {
    return `${local}@${opts.bounceDomain}`;
  }
  const sig = tokenSignature(opts.secret, listName, recipient.memberId);
  return `${listName}-bounces+${TOKEN_PREFIX}${recipient.memberId}.${sig}@${opts.bounceDomain}`;
}

/** The list's plain bounce address (no recipient encoded). */
export function bounceAddress(listName: string, bounceDomain: string): string {
  return `${listName}-bounces@${bounceDomain}`;
}

/**
 * Decodes a VERP recipient back to list and member. Returns null for anything that is not one of ours
 * (other host, no `-bounces+`, a token whose signature does not match).
 */
export function decodeVerp(recipient: string, opts: VerpOptions): VerpTarget | null {
  const addr = recipient.trim().replace(/^<|>$/g, '').toLowerCase();
  const at = addr.lastIndexOf('@');
  if (at < 0 || addr.slice(at + 1) !== opts.bounceDomain.toLowerCase()) return null;
  const local = addr.slice(0, at);
  const marker = local.indexOf('-bounces+');
  if (marker <= 0) return null;
  const listName = local.slice(0, marker);
  const encoded = local.slice(marker + '-bounces+'.length);
  if (encoded.startsWith(TOKEN_PREFIX)) {
    const m = /^t\.(\d{1,15})\.([a-z0-9_-]{12})$/.exec(encoded);
    if (!m) return null;
    const memberId = Number(m[1]);
    return tokenSignature(opts.secret, listName, memberId) === m[2] ? { listName, address: null, memberId } : null;
  }
  const eq = encoded.lastIndexOf('=');
  if (eq <= 0 || eq === encoded.length - 1) return null;
  return { listName, address: `${encoded.slice(0, eq)}@${encoded.slice(eq + 1)}`, memberId: null };
}

/** Header on every outgoing list message, carried back inside bounces: ties a bounce to its delivery. */
export const TRACKING_HEADER = 'X-Listkeeper-Tracking';

export function trackingValue(kind: 'post' | 'notice', id: number, secret: string): string {
  const body = `${kind === 'post' ? 'd' : 'n'}${id}`;
  const sig = createHmac('sha256', secret).update(`track:${body}`).digest('base64url').slice(0, 10);
  return `${body}.${sig}`;
}

export function parseTracking(value: string, secret: string): { kind: 'post' | 'notice'; id: number } | null {
  const m = /^([dn])(\d{1,15})\.([A-Za-z0-9_-]{10})$/.exec(value.trim());
  if (!m) return null;
  const body = `${m[1]}${m[2]}`;
  const sig = createHmac('sha256', secret).update(`track:${body}`).digest('base64url').slice(0, 10);
  if (sig !== m[3]) return null;
  return { kind: m[1] === 'd' ? 'post' : 'notice', id: Number(m[2]) };
}
