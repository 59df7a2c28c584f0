// The classifier: raw bytes of one message in, what it is out. Pure: no I/O, no clock, never throws.

import { addressesIn } from './address.js';
import { detectComplaint, type ComplaintResult } from './arf.js';
import { autoreplySignals, vacationWording } from './autoreply.js';
import { isMailSystemSender } from './formats/generic.js';
import { readNotice, type FormatAnswer } from './formats/index.js';
import { failedRecipientsHeader } from './formats/kit.js';
import { makeMail } from './formats/mail.js';
import type { FoundRecipient } from './formats/types.js';
import { decodeHeader, headerValue, headerValues, parseMessage, type Header } from './mime.js';
import { detectReason } from './reasons/index.js';
import type { Classification, FailedRecipient, Identifiers, MessageKind } from './types.js';
import { buildView, type MessageView } from './view.js';

const MAX_DIAGNOSTIC = 1000;

export function classify(raw: Uint8Array | Buffer): Classification {
  try {
    return classifyParsed(raw);
  } catch (err) {
    // The parsers are written not to throw; this is the last guard so one message never stops a run.
    return {
      kind: 'other',
      recipients: [],
      complaint: null,
      ids: emptyIds(),
      messageId: null,
      subject: null,
      from: null,
      detector: `refused: internal error (${err instanceof Error ? err.message.slice(0, 200) : 'unknown'})`,
    };
  }
}

function classifyParsed(raw: Uint8Array): Classification {
  const parsed = parseMessage(raw);
  const view = buildView(parsed);
  const base = {
    ids: identifiers(view),
    messageId: cleanId(headerValue(view.headers, 'message-id')),
    subject: view.subject || null,
    from: view.from || null,
  };
  const limitNote = parsed.limit ? ` (${parsed.limit})` : '';
  const result = (kind: MessageKind, recipients: FailedRecipient[], detector: string): Classification => ({
    kind,
    recipients,
    complaint: null,
    ...base,
    detector: detector + limitNote,
  });
  const complaintResult = (c: ComplaintResult): Classification => ({
    ...result('complaint', [], c.detector),
    complaint: c.complaint,
    recipients: complaintRecipients(c.addresses),
  });
  const formatResult = (answer: FormatAnswer): Classification => {
    const { format, result: r } = answer;
    return result(r.kind, r.recipients.map(failedRecipient), format);
  };

  // 1. Feedback-loop reports.
  if (view.reportType === 'feedback-report' || view.feedbackReports.length > 0) {
    const c = detectComplaint(view);
    if (c) return complaintResult(c);
  }

  // 2. Challenge-response systems sometimes dress their challenge as a DSN (without an Action).
  const auto = autoreplySignals(view);
  if (auto && (auto.detector === 'autoreply:challenge' || (auto.strong && !/^\s*action\s*:\s*failed/im.test(view.deliveryStatus.join('\n'))))) {
    return result('autoreply', [], auto.detector);
  }

  // 3. A machine-readable delivery report is read before anything else can claim the message.
  const mail = makeMail(view);
  const hasReport = mail.reports.length > 0;
  if (hasReport) {
    const answer = readNotice(mail);
    if (answer) return formatResult(answer);
  }

  // 4. Complaints without ARF (ESP JSON, Apple Mail opt-outs, Hotmail JMRP).
  const complaint = detectComplaint(view);
  if (complaint) return complaintResult(complaint);

  // 5. Automatic replies with unmistakable signs win over failure words in their text.
  if (auto && auto.strong && failedRecipientsHeader(mail).length === 0 && !isMailSystemSender(mail)) return result('autoreply', [], auto.detector);

  // 6. Failure notices of every format the registry knows.
  if (!hasReport) {
    const answer = readNotice(mail);
    if (answer) return formatResult(answer);
  }

  const weak = auto ?? vacationWording(view);
  if (weak) return result('autoreply', [], weak.detector);
  return result('other', [], parsed.limit ? 'refused: nothing recognisable within the limits' : 'none');
}

/** One recipient of a notice with its reason and category decided by the reason registry. */
function failedRecipient(r: FoundRecipient): FailedRecipient {
  const final = !r.delayed;
  const rr = detectReason({
    status: r.status,
    texts: [r.diagnostic, r.context],
    final,
    replyCode: r.replyCode,
    command: r.command,
    hint: r.reason ?? null,
  });
  return {
    address: r.address,
    status: rr.status ?? (r.status ? r.status.slice(0, 20) : null),
    reason: rr.reason,
    category: final ? rr.category : 'soft',
    diagnostic: bound(r.diagnostic) || null,
    remoteMta: r.remoteMta,
    action: final ? 'failed' : 'delayed',
  };
}

function complaintRecipients(addresses: string[]): FailedRecipient[] {
  return addresses.map((address) => ({
    address,
    status: null,
    reason: 'undefined',
    category: 'hard',
    diagnostic: null,
    remoteMta: null,
    action: null,
  }));
}

function bound(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > MAX_DIAGNOSTIC ? t.slice(0, MAX_DIAGNOSTIC) : t;
}

function cleanId(v: string | null): string | null {
  if (!v) return null;
  const t = v.trim();
  return t ? t.slice(0, 998) : null;
}

function emptyIds(): Identifiers {
  return {
    deliveredTo: [],
    originalMessageId: null,
    originalListId: null,
    originalTracking: null,
    originalFrom: null,
    originalTo: null,
    originalSubject: null,
  };
}

function identifiers(view: MessageView): Identifiers {
  const deliveredTo: string[] = [];
  for (const name of ['to', 'delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to']) {
    for (const v of headerValues(view.headers, name)) {
      for (const a of addressesIn(v, 20)) if (!deliveredTo.includes(a)) deliveredTo.push(a);
    }
  }
  const o: Header[] = view.original ?? [];
  const get = (n: string) => {
    const v = headerValue(o, n);
    return v ? decodeHeader(v).trim().slice(0, 998) || null : null;
  };
  const tracking = o.find((h) => h.name.startsWith('x-listkeeper'));
  return {
    deliveredTo,
    originalMessageId: get('message-id'),
    originalListId: get('list-id'),
    originalTracking: tracking ? tracking.value.trim().slice(0, 998) : null,
    originalFrom: get('from'),
    originalTo: get('to'),
    originalSubject: get('subject'),
  };
}
