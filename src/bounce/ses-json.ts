// Amazon SES notifications forwarded by SNS as mail: a JSON document in the body
// ({"notificationType":"Bounce"|"Complaint"|"Delivery", ...}). Read with bounded regexes, not
// JSON.parse: mail transport often folds the long line and breaks the JSON.

import { normalizeAddress } from './address.js';

export interface SesRecipient {
  address: string;
  status: string | null;
  diagnostic: string | null;
}

export type SesNotice =
  | { type: 'bounce'; permanent: boolean; subType: string | null; recipients: SesRecipient[] }
  | { type: 'complaint'; feedbackType: string | null; addresses: string[] }
  | { type: 'delivery' };

function section(text: string, key: string): string | null {
  const i = text.indexOf(`"${key}"`);
  if (i < 0) return null;
  const open = text.indexOf('[', i);
  if (open < 0) return null;
  const close = text.indexOf(']', open);
  return text.slice(open, close < 0 ? Math.min(text.length, open + 20_000) : close + 1).replace(/!?\n/g, '');
}

export function detectSesJson(raw: string): SesNotice | null {
  // SNS wraps the notification as a JSON string inside its own envelope: undo that escaping.
  const text = raw.includes('\\"notificationType\\"') ? raw.replace(/\\"/g, '"') : raw;
  const t = /"notificationType"\s*:\s*"(Bounce|Complaint|Delivery)"/.exec(text);
  if (!t) return null;
  if (t[1] === 'Delivery') return { type: 'delivery' };
  if (t[1] === 'Complaint') {
    const list = section(text, 'complainedRecipients') ?? '';
    const addresses: string[] = [];
    for (const m of list.matchAll(/"emailAddress"\s*:\s*"([^"]{3,254})"/g)) {
      const a = normalizeAddress(m[1]);
      if (a && !addresses.includes(a)) addresses.push(a);
    }
    const ft = /"complaintFeedbackType"\s*:\s*"([^"]{1,40})"/.exec(text);
    return { type: 'complaint', feedbackType: ft ? ft[1].toLowerCase() : null, addresses };
  }
  const list = section(text, 'bouncedRecipients') ?? '';
  const recipients: SesRecipient[] = [];
  for (const m of list.matchAll(/\{[^{}]{0,4000}\}/g)) {
    const obj = m[0];
    const addr = /"emailAddress"\s*:\s*"([^"]{3,254})"/.exec(obj);
    const a = addr ? normalizeAddress(addr[1]) : null;
    if (!a || recipients.some((r) => r.address === a)) continue;
    const status = /"status"\s*:\s*"([^"]{1,20})"/.exec(obj);
    const diag = /"diagnosticCode"\s*:\s*"((?:[^"\\]|\\.){0,1000})"/.exec(obj);
    recipients.push({ address: a, status: status ? status[1] : null, diagnostic: diag ? diag[1] : null });
  }
  const bt = /"bounceType"\s*:\s*"([^"]{1,40})"/.exec(text);
  const st = /"bounceSubType"\s*:\s*"([^"]{1,60})"/.exec(text);
  return { type: 'bounce', permanent: !bt || bt[1] !== 'Transient', subType: st ? st[1] : null, recipients };
}
