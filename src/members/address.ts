// The one rule for an address entering the system (subscribe form, admin add, CSV import, API, staff accounts,
// list owners): plausible mailbox, normalised, and never a control character. A CR, LF or NUL inside an
// address (even inside a quoted local part, `"y\rSubject: x"@example.org`) would reach To:, Delivered-To: and
// RCPT TO; refused here, and refused again at the last moment by the message builder and the SMTP client.
import { normalizeAddress } from '../bounce/address.js';

/** C0 controls (CR, LF, NUL, TAB, ...), DEL, C1 controls and the Unicode line/paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function hasControlChar(s: string): boolean {
  return CONTROL.test(s);
}

export type AddressCheck =
  | { ok: true; address: string }
  | { ok: false; reason: 'empty' | 'control' | 'invalid'; message: string };

export const ADDRESS_MESSAGES = {
  empty: 'No address given.',
  control: 'The address contains a control character (such as a line break or NUL).',
  invalid: 'Not a valid email address.',
} as const;

/** Normalised (lower case, no brackets) or refused with a reason. Surrounding white space is ignored. */
export function checkAddress(raw: string): AddressCheck {
  const s = raw.trim();
  if (s === '') return { ok: false, reason: 'empty', message: ADDRESS_MESSAGES.empty };
  if (hasControlChar(s)) return { ok: false, reason: 'control', message: ADDRESS_MESSAGES.control };
  const address = normalizeAddress(s);
  // normalizeAddress is the classifier's, tuned for what bounces contain; the control rule is checked again on its
  // result so that a change there can never let one through.
  if (!address || hasControlChar(address)) return { ok: false, reason: 'invalid', message: ADDRESS_MESSAGES.invalid };
  return { ok: true, address };
}

/** The address or null: for callers that only need yes/no. */
export function entryAddress(raw: string): string | null {
  const r = checkAddress(raw);
  return r.ok ? r.address : null;
}

/** Why an address must not go into a header or an SMTP command, or null when it may. */
export function unsafeAddressReason(address: string): string | null {
  return hasControlChar(address) ? `the address "${printable(address)}" contains a control character` : null;
}

/** A string with its control characters made visible (for reports and error messages, never for sending). */
export function printable(s: string): string {
  return s.replace(new RegExp(CONTROL.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
