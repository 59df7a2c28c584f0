// Finding and normalising mailbox addresses in header values and free text.

// Local part: dot-atom-ish or quoted; domain: labels with a dot, or an address literal.
// Bounded quantifiers keep this linear on hostile input.
const ADDRESS_SOURCE =
  String.raw`(?:"[^"\n]{1,64}"|[A-Za-z0-9!#$%*+^_{|}~-](?:[A-Za-z0-9!#$%'*+=^_{|}~.-]{0,127}))@(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})\.){1,10}[A-Za-z]{1,24}|\[[0-9.:A-Fa-f]{3,45}\])`;

const SINGLE = new RegExp(`^${ADDRESS_SOURCE}$`);

/** Lower-case, no brackets, no trailing dot; null when it is not a plausible mailbox. */
export function normalizeAddress(a: string): string | null {
  let s = a.trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  if (/^(rfc822|smtp|local|x400|unknown)\s*;/i.test(s)) s = s.slice(s.indexOf(';') + 1).trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  s = s.replace(/\.+$/, '');
  // A control character (CR, LF, NUL, ...) inside a quoted local part is never a mailbox we match or write anywhere.
  // eslint-disable-next-line no-control-regex
  if (s.length > 254 || !SINGLE.test(s) || /[\u0000-\u001f\u007f]/.test(s)) return null;
  const at = s.lastIndexOf('@');
  let local = s.slice(0, at);
  if (!local.startsWith('"') && (local.includes('..') || local.endsWith('.'))) return null;
  if (local.startsWith('"') && local.endsWith('"') && /^"[A-Za-z0-9._+-]+"$/.test(local)) local = local.slice(1, -1);
  return (local + s.slice(at)).toLowerCase();
}

const LOCAL_CHAR = /[A-Za-z0-9!#$%'*+=^_{|}~.\-"]/;
const DOMAIN_CHAR = /[A-Za-z0-9.\-\[\]:]/;

/**
 * Every address in a piece of text, in order, normalised, without duplicates. Scans from each "@"
 * outwards instead of running one big pattern over the whole text (faster, and linear).
 */
export function addressesIn(text: string, max = 200): string[] {
  const out: string[] = [];
  let at = text.indexOf('@');
  let guard = 0;
  while (at >= 0 && out.length < max && guard++ < 10_000) {
    let start = at;
    while (start > 0 && at - start < 130 && LOCAL_CHAR.test(text[start - 1])) start--;
    let end = at + 1;
    while (end < text.length && end - at < 256 && DOMAIN_CHAR.test(text[end])) end++;
    const before = start > 0 ? text.charCodeAt(start - 1) : 0;
    // Glued to a path, a URL query or a key=value: part of something else (X.400 "SMTP=" excepted).
    const glued = before === 47 /* / */ || before === 38 /* & */ || before === 63; /* ? */
    if (!glued && start < at && end > at + 1) {
      let raw = text.slice(start, end);
      if (raw.includes('"') && !/^"[^"]+"@/.test(raw)) raw = raw.slice(raw.lastIndexOf('"', raw.indexOf('@')) + 1);
      raw = raw.replace(/^[.\-=']+/, '').replace(/^smtp=/i, '');
      let e = raw.length;
      while (e > 0 && '.-:]'.includes(raw[e - 1])) e--;
      raw = raw.slice(0, e);
      if (/^[A-Za-z_][\w-]*=/.test(raw) && !/^[^=@]*\+/.test(raw)) {
        // "key=value@…" is a parameter, not an address.
        raw = '';
      }
      const n = raw ? normalizeAddress(raw) : null;
      if (n && !out.includes(n)) out.push(n);
    }
    at = text.indexOf('@', Math.max(end, at + 1));
  }
  return out;
}

/** The first address in a header value such as `Name <a@b>` or `a@b (Name)`. */
export function firstAddress(value: string | null | undefined): string | null {
  if (!value) return null;
  const lt = value.lastIndexOf('<');
  if (lt >= 0) {
    const gt = value.indexOf('>', lt);
    if (gt > lt) {
      const n = normalizeAddress(value.slice(lt + 1, gt));
      if (n) return n;
    }
  }
  return addressesIn(value, 1)[0] ?? null;
}

/** Local parts that name a mail system, never a list member. */
export function isSystemLocalPart(address: string): boolean {
  const local = address.slice(0, address.lastIndexOf('@'));
  return /^(mailer[-_.]?daemon|mail[-_.]?daemon|post[-_.]?master|mdaemon|double-bounce|bounce[-_.]?(handler|processor)?|abuse|hostmaster|root|nobody|noreply|no[-_.]reply|do[-_.]?not[-_.]?reply)$/i.test(
    local,
  );
}
