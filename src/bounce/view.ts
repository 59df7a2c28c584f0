// The parts of a parsed message the detectors look at: the notice text a person would read, the
// machine-readable reports, and the copy of the original message.

import {
  decodeHeader,
  decodeTransfer,
  decodeCharset,
  headerValue,
  headerValues,
  partText,
  parseEntity,
  type Header,
  type MimePart,
  type ParsedMessage,
} from './mime.js';

export interface MessageView {
  parsed: ParsedMessage;
  headers: Header[];
  subject: string;
  from: string;
  /** Human-readable notice text (outside any enclosed message), bounded. */
  notice: string;
  /** Bodies of message/delivery-status parts (decoded). */
  deliveryStatus: string[];
  /** Bodies of message/feedback-report parts (decoded). */
  feedbackReports: string[];
  /** Headers of the enclosed original message, when found. */
  original: Header[] | null;
  /** Text of the enclosed original message's body, bounded (complaints quote it). */
  originalText: string;
  /** True when the top-level type is multipart/report. */
  isReport: boolean;
  reportType: string | null;
}

const MAX_NOTICE = 64_000;

/**
 * Where a notice that quotes the original inline (no MIME) stops being the notice. Written as
 * line starts so a match costs one pass.
 */
const INLINE_ORIGINAL = new RegExp(
  String.raw`^[ \t>|]*(?:` +
    [
      String.raw`[-=_*#~]{2,}[ \t]*(?:the )?(?:original|returned|undelivered|unsent|rejected|enclosed) (?:message|mail|e-?mail)\b`,
      String.raw`(?:[-=_*#~]{2,}[ \t]*)?(?:the )?(?:original|returned|undelivered|unsent|rejected|enclosed) (?:message|mail|e-?mail)(?: as received)?(?: is| was)?(?: as)? follows`,
      String.raw`(?:[-=_*#~]{2,}[ \t]*)?below (?:this line )?is a copy`,
      String.raw`(?:[-=_*#~]{2,}[ \t]*)?(?:a )?copy of (?:the |your )?(?:original )?message (?:below|follows|is below)`,
      String.raw`(?:[-=_*#~]{2,}[ \t]*)?(?:this is )?a copy of (?:the |your )?(?:original )?message,? including`,
      String.raw`(?:below|here) is (?:a copy of )?(?:the |your )?original message`,
      String.raw`(?:[-=_*#~]{2,}[ \t]*)?message text follows`,
      String.raw`(?:[-=_*#~]{2,}[ \t]*)?unsent message (?:below|follows)`,
      String.raw`(?:[-=_*#~]{2,}[ \t]*)?(?:original )?message headers? follow`,
      String.raw`content-type: message/rfc822`,
    ].join('|') +
    ')',
  'im',
);

const HEADER_START = /^(?:Return-Path|Received|DKIM-Signature|Message-I[Dd]|MIME-Version|X-Mailer|Delivered-To):[ \t]/m;

export function buildView(parsed: ParsedMessage): MessageView {
  const root = parsed.root;
  const notices: string[] = [];
  const deliveryStatus: string[] = [];
  const feedbackReports: string[] = [];
  let original: MimePart | null = null;
  let length = 0;

  const visit = (p: MimePart, inAlternative: boolean) => {
    if (p.type.startsWith('multipart/')) {
      if (p.parts.length === 0) {
        // Boundary never matched: read the whole body as text.
        pushNotice(decodeCharset(p.body, p.params['charset']));
        return;
      }
      const alt = p.type === 'multipart/alternative';
      if (alt) {
        const plain = p.parts.find((c) => c.type === 'text/plain');
        if (plain) {
          visit(plain, true);
          for (const c of p.parts) if (c.type.startsWith('multipart/')) visit(c, true);
          return;
        }
      }
      for (const c of p.parts) visit(c, inAlternative || alt);
      return;
    }
    if (p.type === 'message/delivery-status' || p.type === 'message/global-delivery-status') {
      deliveryStatus.push(decodeCharset(decodeTransfer(p.body, headerValue(p.headers, 'content-transfer-encoding')), 'utf-8'));
      return;
    }
    if (p.type === 'message/feedback-report') {
      feedbackReports.push(decodeTransfer(p.body, headerValue(p.headers, 'content-transfer-encoding')));
      return;
    }
    if (p.message) {
      if (!original) original = p.message;
      return;
    }
    if (p.type === 'text/plain' || p.type === 'text/html' || p.type === 'text/enriched' || p.type === 'text') {
      const disposition = (headerValue(p.headers, 'content-disposition') ?? '').toLowerCase();
      const name = (p.params['name'] ?? '') + disposition;
      if (/\.(dsn|txt)\b/i.test(name) && /^(final|original)-recipient:/im.test(p.body)) {
        deliveryStatus.push(partText(p));
        return;
      }
      if (disposition.startsWith('attachment') && notices.length > 0) return;
      pushNotice(partText(p));
    }
  };
  const pushNotice = (t: string) => {
    if (length >= MAX_NOTICE) return;
    const cut = t.length + length > MAX_NOTICE ? t.slice(0, MAX_NOTICE - length) : t;
    notices.push(cut);
    length += cut.length;
  };
  visit(root, false);

  let notice = notices.join('\n');
  let originalHeaders: Header[] | null = original ? (original as MimePart).headers : null;
  let originalText = '';
  if (original) {
    const o = original as MimePart;
    originalText = o.type.startsWith('multipart/') ? o.body.slice(0, 8000) : partText(o).slice(0, 8000);
  }
  if (!original) {
    // A notice that quotes the original inline: cut it there, and read the quoted headers.
    const sep = INLINE_ORIGINAL.exec(notice);
    let cutAt = sep ? sep.index : -1;
    const hdr = HEADER_START.exec(notice);
    if (hdr && (cutAt < 0 || hdr.index < cutAt) && hdr.index > 0) cutAt = hdr.index;
    if (cutAt >= 0) {
      const rest = notice.slice(cutAt);
      notice = notice.slice(0, cutAt);
      const hstart = HEADER_START.exec(rest) ?? /^(?:From|To|Subject|Date):[ \t]/m.exec(rest);
      if (hstart) {
        const inner = rest.slice(hstart.index).replace(/^[ \t]*>[ \t]?/gm, '');
        const entity = parseEntity(inner, 1, { parts: 0, limit: null });
        if (entity.headers.length >= 2) {
          originalHeaders = entity.headers;
          originalText = entity.body.slice(0, 8000);
        }
      }
    }
  }

  const ct = root.type;
  return {
    parsed,
    headers: root.headers,
    subject: decodeHeader(headerValue(root.headers, 'subject') ?? '').replace(/\s+/g, ' ').trim(),
    from: decodeHeader(headerValue(root.headers, 'from') ?? ''),
    notice,
    deliveryStatus,
    feedbackReports,
    original: originalHeaders,
    originalText,
    isReport: ct === 'multipart/report',
    reportType: ct === 'multipart/report' ? (root.params['report-type'] ?? '').toLowerCase() : null,
  };
}

export function topHeader(view: MessageView, name: string): string | null {
  return headerValue(view.headers, name);
}

export function topHeaders(view: MessageView, name: string): string[] {
  return headerValues(view.headers, name);
}
