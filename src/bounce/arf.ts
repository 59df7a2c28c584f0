// Feedback-loop reports (ARF, RFC 5965) and the older non-ARF complaint forms.

import { addressesIn, firstAddress, normalizeAddress } from './address.js';
import { headerValue } from './mime.js';
import { detectSesJson } from './ses-json.js';
import type { Complaint } from './types.js';
import type { MessageView } from './view.js';

function field(text: string, name: string): string[] {
  const re = new RegExp(`^${name}[ \\t]*:[ \\t]*(.{0,500})$`, 'gim');
  const out: string[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && out.length < 100) out.push(m[1].trim());
  return out;
}

export interface ComplaintResult {
  complaint: Complaint;
  /** Every complained-about address (a report may name several). */
  addresses: string[];
  detector: string;
}

/** A complaint, or null when the message is not one. */
export function detectComplaint(view: MessageView): ComplaintResult | null {
  const arf = view.reportType === 'feedback-report' || view.feedbackReports.length > 0;
  const text = view.feedbackReports.join('\n');
  if (arf) {
    const feedbackType = field(text, 'Feedback-Type')[0]?.toLowerCase() ?? null;
    const addresses = unique([
      ...field(text, 'Original-Rcpt-To').map((v) => firstAddress(v)),
      ...field(text, 'Removal-Recipient').map((v) => firstAddress(v)),
    ]);
    if (addresses.length === 0 && view.original) {
      const to = firstAddress(headerValue(view.original, 'to'));
      if (to) addresses.push(to);
    }
    return { complaint: { address: addresses[0] ?? null, feedbackType: feedbackType ?? 'abuse' }, addresses, detector: 'arf' };
  }
  // Amazon SES complaint notifications forwarded by SNS (JSON in the body).
  if (view.notice.includes('notificationType')) {
    const ses = detectSesJson(view.notice);
    if (ses?.type === 'complaint') {
      return { complaint: { address: ses.addresses[0] ?? null, feedbackType: ses.feedbackType ?? 'abuse' }, addresses: ses.addresses, detector: 'ses-json' };
    }
  }
  // Apple Mail's one-click unsubscribe (a mailto List-Unsubscribe answered by the mail client): an opt-out.
  if ((headerValue(view.headers, 'x-apple-unsubscribe') ?? '').trim().toLowerCase() === 'true') {
    const a = firstAddress(headerValue(view.headers, 'from'));
    return { complaint: { address: a, feedbackType: 'opt-out' }, addresses: a ? [a] : [], detector: 'opt-out:apple-mail' };
  }
  // Hotmail's older JMRP form: the original recipient in an X-HmXmrOriginalRecipient line.
  const hm = /^X-HmXmrOriginalRecipient:\s*(\S{3,254})/im.exec(view.notice + '\n' + view.originalText);
  if (hm || (view.original && headerValue(view.original, 'x-hmxmroriginalrecipient'))) {
    const raw = hm ? hm[1] : (headerValue(view.original ?? [], 'x-hmxmroriginalrecipient') ?? '');
    const a = normalizeAddress(raw) ?? addressesIn(raw, 1)[0] ?? null;
    return { complaint: { address: a, feedbackType: 'abuse' }, addresses: a ? [a] : [], detector: 'jmrp' };
  }
  return null;
}

function unique(list: Array<string | null>): string[] {
  const out: string[] = [];
  for (const a of list) if (a && !out.includes(a)) out.push(a);
  return out;
}
