// Signed links for subscribers (unsubscribe, re-enable, confirm, manage): no account, the link is the credential.
// Token = `<action code>.<member id>.<list id>.<expiry day>[.<request id>].<hmac>`; the HMAC (config.secretKey)
// covers every field, so a link cannot be moved to another member, list, action or request, nor have its expiry
// stretched. The request id (a confirm link's own notice) lets the confirm page use each link once.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { addDays, type IsoDate } from '../dates.js';

export type LinkAction = 'unsubscribe' | 'reenable' | 'confirm' | 'manage';

const CODE: Record<LinkAction, string> = { unsubscribe: 'u', reenable: 'r', confirm: 'c', manage: 'm' };
const ACTION_BY_CODE: Record<string, LinkAction> = { u: 'unsubscribe', r: 'reenable', c: 'confirm', m: 'manage' };

/**
 * How long a link stays valid. Unsubscribe links sit in old mail and must keep working for years (RFC 8058
 * asks for a stable URL), so they get a long life; the rest expire once their notice is stale.
 */
export const LINK_LIFETIME_DAYS: Record<LinkAction, number> = {
  unsubscribe: 3650,
  reenable: 60,
  confirm: 7,
  manage: 30,
};

export const LINK_PATH: Record<LinkAction, string> = {
  unsubscribe: '/s/unsubscribe/',
  reenable: '/s/reenable/',
  confirm: '/s/confirm/',
  manage: '/s/manage/',
};

export type LinkCheck =
  | { ok: true; action: LinkAction; memberId: number; listId: number; expires: IsoDate; requestId?: number }
  | { ok: false; error: 'malformed' | 'bad_signature' | 'wrong_action' | 'expired' };

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(`link:${body}`).digest('base64url').slice(0, 22);
}

/** A token for `action` on one member of one list, valid until `today + lifetime`, optionally bound to a request. */
export function linkToken(secret: string, action: LinkAction, memberId: number, listId: number, today: IsoDate, requestId?: number): string {
  const expires = addDays(today, LINK_LIFETIME_DAYS[action]).replaceAll('-', '');
  const body = `${CODE[action]}.${memberId}.${listId}.${expires}${requestId === undefined ? '' : `.${requestId}`}`;
  return `${body}.${sign(secret, body)}`;
}

/** The absolute URL of a signed link (config.baseUrl + path + token). */
export function linkUrl(
  config: { baseUrl: string; secretKey: string },
  action: LinkAction,
  memberId: number,
  listId: number,
  today: IsoDate,
  requestId?: number,
): string {
  return `${config.baseUrl}${LINK_PATH[action]}${linkToken(config.secretKey, action, memberId, listId, today, requestId)}`;
}

/** Checks a token for `action` as of `today`. Never throws; anything altered is `bad_signature` or `malformed`. */
export function verifyLink(
  config: { secretKey: string },
  action: LinkAction,
  token: string,
  today: IsoDate,
): LinkCheck {
  const m = /^([urcm])\.(\d{1,15})\.(\d{1,10})\.(\d{8})(?:\.(\d{1,15}))?\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return { ok: false, error: 'malformed' };
  const body = `${m[1]}.${m[2]}.${m[3]}.${m[4]}${m[5] === undefined ? '' : `.${m[5]}`}`;
  const expected = Buffer.from(sign(config.secretKey, body));
  const given = Buffer.from(m[6]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, error: 'bad_signature' };
  if (ACTION_BY_CODE[m[1]] !== action) return { ok: false, error: 'wrong_action' };
  const expires = `${m[4].slice(0, 4)}-${m[4].slice(4, 6)}-${m[4].slice(6, 8)}`;
  if (expires < today) return { ok: false, error: 'expired' };
  return { ok: true, action, memberId: Number(m[2]), listId: Number(m[3]), expires, ...(m[5] === undefined ? {} : { requestId: Number(m[5]) }) };
}
