// The classifier: raw bytes of one message in, what it is out. Pure: no I/O, no clock, never throws.

import { addressesIn } from './address.js';
import { detectComplaint } from './arf.js';
import { autoreplySignals, vacationWording } from './autoreply.js';
import { looksLikeDsnText, parseDsn, recipientAddress, type DsnRecipient } from './dsn.js';
import { decodeHeader, headerValue, headerValues, parseMessage, type Header } from './mime.js';
import { detectNotice, isMailSystemSender } from './notices.js';
import { detectReason } from './reasons.js';
import { detectSesJson } from './ses-json.js';
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

  // 1. Feedback-loop reports.
  if (view.reportType === 'feedback-report' || view.feedbackReports.length > 0) {
    const c = detectComplaint(view);
    if (c) return { ...result('complaint', [], c.detector), complaint: c.complaint, recipients: complaintRecipients(c.addresses) };
  }

  // 2. Challenge-response systems sometimes dress their challenge as a DSN (without an Action).
  const auto = autoreplySignals(view);
  if (auto && (auto.detector === 'autoreply:challenge' || (auto.strong && !/^\s*action\s*:\s*failed/im.test(view.deliveryStatus.join('\n'))))) {
    return result('autoreply', [], auto.detector);
  }

  // 2b. Delivery status notifications (RFC 3464), also when the fields sit in a text part.
  let dsnTexts = view.deliveryStatus;
  if (dsnTexts.length === 0 && looksLikeDsnText(view.notice)) dsnTexts = [view.notice];
  if (dsnTexts.length > 0) {
    const dsn = fromDsn(view, dsnTexts);
    if (dsn) return result(dsn.kind, dsn.recipients, dsn.detector);
  }

  // 3. ESP notifications in JSON (Amazon SES via SNS).
  if (view.notice.includes('notificationType')) {
    const ses = detectSesJson(view.notice);
    if (ses?.type === 'complaint') {
      return {
        ...result('complaint', [], 'ses-json'),
        complaint: { address: ses.addresses[0] ?? null, feedbackType: ses.feedbackType ?? 'abuse' },
        recipients: complaintRecipients(ses.addresses),
      };
    }
    if (ses?.type === 'delivery') return result('other', [], 'ses-json:delivery');
    if (ses?.type === 'bounce' && ses.recipients.length > 0) {
      const recipients = ses.recipients.map((r) => {
        const rr = detectReason({ status: r.status, texts: [r.diagnostic ?? ''], final: true });
        return {
          address: r.address,
          status: rr.status,
          reason: rr.reason,
          category: rr.category,
          diagnostic: r.diagnostic ? bound(r.diagnostic) : null,
          remoteMta: null,
          action: 'failed',
        } satisfies FailedRecipient;
      });
      return result('bounce', recipients, 'ses-json');
    }
  }

  // 4. Complaints without ARF.
  const complaint = detectComplaint(view);
  if (complaint) {
    return { ...result('complaint', [], complaint.detector), complaint: complaint.complaint, recipients: complaintRecipients(complaint.addresses) };
  }

  // 5. Automatic replies with unmistakable signs win over failure words in their text.
  const failedHeader = headerValue(view.headers, 'x-failed-recipients');
  if (auto && auto.strong && !failedHeader && !isMailSystemSender(view)) return result('autoreply', [], auto.detector);

  // 6. Failure notices in prose.
  const notice = detectNotice(view);
  if (notice) {
    const recipients = notice.recipients.map((r) => {
      const final = notice.kind === 'bounce';
      const rr = detectReason({ status: null, texts: [r.text, view.notice.slice(0, 4000), view.subject], final });
      return {
        address: r.address,
        status: rr.status,
        reason: rr.reason,
        category: final ? rr.category : 'soft',
        diagnostic: bound(r.text.trim()) || null,
        remoteMta: null,
        action: final ? 'failed' : 'delayed',
      } satisfies FailedRecipient;
    });
    return result(notice.kind, recipients, notice.detector);
  }

  const weak = auto ?? vacationWording(view);
  if (weak) return result('autoreply', [], weak.detector);
  return result('other', [], parsed.limit ? 'refused: nothing recognisable within the limits' : 'none');
}

interface DsnOutcome {
  kind: MessageKind;
  recipients: FailedRecipient[];
  detector: string;
}

function fromDsn(view: MessageView, texts: string[]): DsnOutcome | null {
  const all: DsnRecipient[] = [];
  for (const t of texts) all.push(...parseDsn(t).recipients);
  const seemsDelay = /\b(delay|delayed|warning|still (being )?retried|not yet been delivered|will (continue to )?retry)\b/i.test(view.subject);
  const failed: Array<{ r: DsnRecipient; address: string }> = [];
  const delayed: Array<{ r: DsnRecipient; address: string }> = [];
  let delivered = 0;
  for (const r of all) {
    const address = recipientAddress(r.finalRecipient) ?? recipientAddress(r.originalRecipient);
    if (!address) continue;
    let action = r.action ?? '';
    if (!action) {
      const cls = (r.status ?? '').trim()[0];
      action = cls === '2' ? 'delivered' : cls === '4' && seemsDelay ? 'delayed' : 'failed';
    }
    if (action.startsWith('fail')) failed.push({ r, address });
    else if (action.startsWith('delay')) delayed.push({ r, address });
    else if (/^(delivered|deliverable|relayed|expanded)/.test(action)) delivered++;
    else if ((r.status ?? '').trim().startsWith('2')) delivered++;
    else failed.push({ r, address });
  }
  const dedupe = (list: Array<{ r: DsnRecipient; address: string }>) =>
    list.filter((x, i) => list.findIndex((y) => y.address === x.address) === i);
  const noticeLines = view.notice.split('\n', 4000);
  const noticeLower = noticeLines.map((l) => l.toLowerCase());
  const everyone = [...failed, ...delayed].map((x) => x.address);
  const toRecipient = (x: { r: DsnRecipient; address: string }, final: boolean): FailedRecipient => {
    const around = linesAbout(x.address, noticeLines, noticeLower, everyone);
    const rr = detectReason({ status: x.r.status, texts: [x.r.diagnostic ?? '', around, final ? '' : view.subject], final });
    return {
      address: x.address,
      status: rr.status ?? (x.r.status ? x.r.status.slice(0, 20) : null),
      reason: rr.reason,
      category: final ? rr.category : 'soft',
      diagnostic: bound(x.r.diagnostic ?? around) || null,
      remoteMta: x.r.remoteMta ? x.r.remoteMta.slice(0, 255) : null,
      action: final ? 'failed' : 'delayed',
    };
  };
  if (failed.length > 0) return { kind: 'bounce', recipients: dedupe(failed).map((x) => toRecipient(x, true)), detector: 'dsn' };
  if (delayed.length > 0) return { kind: 'delay', recipients: dedupe(delayed).map((x) => toRecipient(x, false)), detector: 'dsn:delayed' };
  if (delivered > 0) return { kind: 'other', recipients: [], detector: 'dsn:success' };
  return null;
}

/** The notice lines about one recipient, up to the next line that names another address. */
function linesAbout(address: string, lines: string[], lower: string[], others: string[]): string {
  for (let i = 0; i < lines.length; i++) {
    if (!lower[i].includes(address)) continue;
    const out = [lines[i]];
    for (let j = i + 1; j < lines.length && j < i + 8; j++) {
      const l = lower[j];
      if (others.some((o) => o !== address && l.includes(o))) break;
      out.push(lines[j]);
    }
    return out.join('\n').slice(0, 2000);
  }
  return '';
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
