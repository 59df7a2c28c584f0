// Tools the format files share: reading the RFC 3464 report, cutting a notice into one block of text
// per recipient, and telling a recipient's address from the other addresses a notice names.

import { addressesIn, isSystemLocalPart } from '../address.js';
import { parseDsn, recipientAddress, type DsnRecipient } from '../dsn.js';
import { decodeHeader, headerValues, type Header } from '../mime.js';
import { reasonFromText } from '../reasons/index.js';
import { commandIn, type SmtpCommand } from '../smtp.js';
import type { Reason } from '../types.js';
import type { Mail } from './mail.js';
import type { FormatResult, FoundRecipient } from './types.js';

const COMPILED_LISTS = new WeakMap<readonly string[], RegExp>();
const escape = (p: string): string => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Does the text contain one of the phrases? Longer lists are compiled once into one pattern (faster in V8). */
export function includesAny(text: string, phrases: readonly string[]): boolean {
  if (phrases.length <= 3) {
    for (const p of phrases) if (text.includes(p)) return true;
    return false;
  }
  let re = COMPILED_LISTS.get(phrases);
  if (!re) {
    re = new RegExp(phrases.map(escape).join('|'));
    COMPILED_LISTS.set(phrases, re);
  }
  return re.test(text);
}

/** The index of the first line containing any of the phrases (lower-case), or -1. */
export function lineIndex(mail: Mail, phrases: readonly string[], from = 0): number {
  for (let i = from; i < mail.linesLc.length; i++) if (includesAny(mail.linesLc[i], phrases)) return i;
  return -1;
}

export function recipient(address: string, diagnostic: string, opts: Partial<FoundRecipient> = {}): FoundRecipient {
  const diag = bound(diagnostic);
  return {
    address,
    status: null,
    replyCode: null,
    context: '',
    command: commandIn(diag),
    delayed: false,
    remoteMta: null,
    ...opts,
    diagnostic: diag,
  };
}

export function bound(text: string, max = 2000): string {
  const t = text.trim();
  return t.length > max ? t.slice(0, max) : t;
}

export function dedupe(list: FoundRecipient[]): FoundRecipient[] {
  const seen = new Set<string>();
  return list.filter((r) => (seen.has(r.address) ? false : (seen.add(r.address), true)));
}

/** A bounce when anything failed; a delay when every recipient is still being tried. */
export function resultOf(recipients: FoundRecipient[]): FormatResult | null {
  const list = dedupe(recipients);
  if (list.length === 0) return null;
  const failed = list.filter((r) => !r.delayed);
  return failed.length > 0 ? { kind: 'bounce', recipients: failed } : { kind: 'delay', recipients: list };
}

// ---------------------------------------------------------------------------------------------
// RFC 3464 reports

/**
 * Diagnostic type X-Unix: a local delivery program (procmail, a pipe) failed, and its status is a
 * translated exit code. A mailer error, unless the program's output says the mailbox or disk is full.
 */
function localProgramReason(output: string): Reason | null {
  const named = reasonFromText(output);
  return named === 'mailboxfull' || named === 'systemfull' || named === 'mesgtoobig' ? null : 'mailererror';
}

const DELAY_SUBJECT = ['delay', 'warning', 'still being retried', 'not yet been delivered', 'will retry', 'will continue to retry'];

/**
 * The recipients of the message/delivery-status parts: failed ones make a bounce, delayed ones (when
 * nothing failed) a delay, delivered or relayed ones only a success report (kind `other`).
 * `about` gives the notice's own text about a recipient (its context, and where the report has no
 * Diagnostic-Code, its diagnostic).
 */
export function fromReport(mail: Mail, about: (address: string, all: string[]) => string = (a, all) => linesAbout(mail, a, all)): FormatResult | null {
  if (mail.reports.length === 0) return null;
  const all: DsnRecipient[] = [];
  for (const t of mail.reports) all.push(...parseDsn(t).recipients);
  const seemsDelay = includesAny(mail.subjectLc, DELAY_SUBJECT);
  const found: Array<{ r: DsnRecipient; address: string; delayed: boolean }> = [];
  let delivered = 0;
  for (const r of all) {
    const address = recipientAddress(r.finalRecipient) ?? recipientAddress(r.originalRecipient);
    if (!address) continue;
    const statusClass = (r.status ?? '').trim()[0];
    const action = r.action || (statusClass === '2' ? 'delivered' : statusClass === '4' && seemsDelay ? 'delayed' : 'failed');
    if (action.startsWith('delay')) found.push({ r, address, delayed: true });
    else if (/^(delivered|deliverable|relayed|expanded)/.test(action) || (!action.startsWith('fail') && statusClass === '2')) delivered++;
    else found.push({ r, address, delayed: false });
  }
  const addresses = found.map((x) => x.address);
  const recipients = found.map(({ r, address, delayed }) => {
    const context = about(address, addresses);
    const diagnostic = r.diagnostic ?? '';
    return recipient(address, diagnostic || context, {
      status: r.status ? r.status.trim().slice(0, 20) : null,
      context: diagnostic ? context : '',
      command: commandIn(diagnostic) ?? commandIn(context),
      delayed,
      remoteMta: r.remoteMta ? r.remoteMta.slice(0, 255) : null,
      reason: r.diagnosticType === 'x-unix' ? localProgramReason(diagnostic) : null,
    });
  });
  const result = resultOf(recipients);
  if (result) return result;
  return delivered > 0 ? { kind: 'other', recipients: [] } : null;
}

// ---------------------------------------------------------------------------------------------
// Addresses in the notice text

const SENDER_SIDE = new WeakMap<Mail, Set<string>>();

/** Addresses that are the sender's or the notice's own: never a failed recipient. */
export function senderSide(mail: Mail): Set<string> {
  const known = SENDER_SIDE.get(mail);
  if (known) return known;
  const skip = new Set<string>();
  SENDER_SIDE.set(mail, skip);
  const add = (hs: Header[] | null, names: string[]) => {
    if (!hs) return;
    for (const n of names) for (const v of headerValues(hs, n)) for (const a of addressesIn(decodeHeader(v), 20)) skip.add(a);
  };
  // Not Delivered-To / X-Original-To: some agents (DragonFly) put the failed recipient there.
  add(mail.view.headers, ['from', 'to', 'cc', 'reply-to', 'sender', 'return-path', 'errors-to', 'resent-from']);
  add(mail.view.original, ['from', 'sender', 'reply-to', 'return-path', 'errors-to']);
  return skip;
}

/** The addresses of an X-Failed-Recipients header (Exim, and agents that copy it). */
export function failedRecipientsHeader(mail: Mail): string[] {
  const out: string[] = [];
  for (const v of mail.headers('x-failed-recipients')) for (const a of addressesIn(v, 50)) if (!out.includes(a)) out.push(a);
  return out;
}

/** Lines that name an address for another reason than its failure (headers quoted in the notice). */
const HEADER_LINE_NAMES = [
  'from', 'sender', 'reply-to', 'return-path', 'errors-to', 'message-id', 'in-reply-to', 'references', 'received',
  'by', 'id', 'mail from', 'envelope-from', 'resent-from', 'resent-to', 'resent-sender', 'list-id', 'list-post',
  'list-unsubscribe', 'list-help', 'list-owner',
];

export function isHeaderishLine(line: string): boolean {
  const m = /^\s*[>|]?\s*([a-z][\w-]{0,30}(?: [a-z]+)?)\s*[:=]/i.exec(line);
  if (m) {
    const name = m[1].toLowerCase();
    if (name.startsWith('x-') || HEADER_LINE_NAMES.includes(name)) return true;
  }
  return /\b(mail from|envelope-from)\b/i.test(line);
}

/** Lines that offer an address as a contact ("for assistance write to …"). */
const CONTACT_WORDS = [
  'contact', 'support at', 'support team', 'support desk', 'support center', 'support centre', 'customer support',
  'helpdesk', 'help desk', 'questions', 'write to', 'email us', 'e-mail us', 'send mail to', 'send an email to',
  'send an e-mail to', 'send email to', 'for more information', 'for further information', 'for information',
  'for assistance', 'for further assistance', 'for help', 'for more help', 'complain', 'abuse report', '連絡', '問い合わせ', '問合せ',
];

export function isContactLine(line: string): boolean {
  return includesAny(line.toLowerCase(), CONTACT_WORDS);
}

/** Where a line opens with an address (after bullets, quotes or a label such as "Recipient:"). */
const LEADING_LABELS = [
  'rcpt to', 'to', 'recipient', 'recipients', 'recipient address', 'addressee', 'address', 'user', 'failed address',
  'original-recipient', 'final-recipient', 'original recipient', 'final recipient', 'intended recipient',
];

export function leadingAddress(line: string): string | null {
  let s = line.replace(/^[\s>*•·|#-]+/, '');
  const label = /^([a-z][a-z -]{0,24}?)\s*:\s*/i.exec(s);
  if (label && LEADING_LABELS.includes(label[1].toLowerCase().trim())) s = s.slice(label[0].length);
  s = s.replace(/^(rfc822|smtp)\s*;\s*/i, '');
  const m = /^(?:"[^"\n]{0,80}"\s*)?<?("?[^\s<>()"',;:[\]]{1,128}"?@[^\s<>()"',;:[\]]{1,255})/.exec(s);
  if (!m) return null;
  return addressesIn(m[1], 1)[0] ?? null;
}

export interface Block {
  address: string;
  /** The address line and the lines after it, up to the next recipient. */
  text: string;
}

/**
 * Recipient blocks: each line that opens with an address starts one; the lines after it, up to the
 * next such line, two blank lines, or a line `stop` accepts, are its text. Lines before `start` and
 * from `end` on are not read.
 */
export function addressBlocks(
  mail: Mail,
  opts: { start?: number; end?: number; stop?: (lower: string) => boolean; skip?: Set<string>; max?: number } = {},
): Block[] {
  const lines = mail.lines;
  const end = Math.min(opts.end ?? lines.length, lines.length);
  const skip = opts.skip ?? senderSide(mail);
  const blocks: Array<{ address: string; lines: string[] }> = [];
  let cur: { address: string; lines: string[] } | null = null;
  let blank = 0;
  for (let i = opts.start ?? 0; i < end; i++) {
    const line = lines[i];
    if (opts.stop && opts.stop(mail.linesLc[i])) break;
    const a = line.includes('@') && !isHeaderishLine(line) ? leadingAddress(line) : null;
    if (a && !skip.has(a) && !isSystemLocalPart(a) && !/-bounces?[+@]/.test(a)) {
      cur = blocks.find((b) => b.address === a) ?? null;
      if (!cur) {
        cur = { address: a, lines: [] };
        blocks.push(cur);
        if (blocks.length >= (opts.max ?? 200)) break;
      }
      cur.lines.push(line);
      blank = 0;
      continue;
    }
    if (!cur) continue;
    if (line.trim() === '') {
      if (++blank >= 2) cur = null;
      continue;
    }
    blank = 0;
    if (cur.lines.length < 40) cur.lines.push(line);
  }
  return blocks.map((b) => ({ address: b.address, text: b.lines.join('\n') }));
}

/** The notice lines about one recipient: its line and what follows until the next recipient's. */
export function linesAbout(mail: Mail, address: string, all: string[], maxLines = 8): string {
  const lines = mail.lines;
  for (let i = 0; i < lines.length; i++) {
    if (!mail.linesLc[i].includes(address)) continue;
    const out = [lines[i]];
    for (let j = i + 1; j < lines.length && j <= i + maxLines; j++) {
      const l = mail.linesLc[j];
      if (all.some((o) => o !== address && l.includes(o))) break;
      out.push(lines[j]);
    }
    return bound(out.join('\n'));
  }
  return '';
}

/**
 * Blocks of the recipient list that follows an introducing sentence ("The following address(es)
 * failed:"), up to a line that ends the list. Both are given as lower-case phrases.
 */
export function blocksAfter(mail: Mail, intro: readonly string[], end: readonly string[] = [], from = 0): Block[] {
  const at = lineIndex(mail, intro, from);
  if (at < 0) return [];
  return addressBlocks(mail, { start: at + 1, stop: end.length > 0 ? (l) => includesAny(l, end) : undefined });
}

/**
 * In a transcript of the SMTP dialogue (">>> RCPT To:<a>", "<<< 550 …", then the MTA's own verdict
 * "550 <a>... User unknown"), the command the server was answering when it refused this recipient:
 * the last ">>>" line before a reply that names the address, or before the reply that the
 * recipient's verdict line directly follows. Null when the transcript does not tie them together.
 */
export function transcriptCommand(text: string, address: string): SmtpCommand | null {
  const lines = text.split('\n', 2000);
  let last: string | null = null;
  let previousWasReply = false;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim().toLowerCase();
    if (t.startsWith('>>>')) {
      last = t;
      previousWasReply = false;
      continue;
    }
    const reply = t.startsWith('<<<');
    if (t.includes(address) && last && (reply || previousWasReply)) {
      const command = commandIn(last);
      return command === 'DATA' && pipelinedRcpt(lines, i + 1) ? 'RCPT' : command;
    }
    previousWasReply = reply;
  }
  return null;
}

/**
 * With PIPELINING (RFC 2920) Sendmail shows only the last command of a group, ">>> DATA", above the
 * replies to the RCPT TO commands sent with it. DATA has one reply, the last of the group: a reply
 * followed by another one (or by "503 need RCPT", "554 no valid recipients") answered a RCPT.
 */
function pipelinedRcpt(lines: string[], from: number): boolean {
  for (let i = from; i < lines.length && i < from + 30; i++) {
    const t = lines[i].trim().toLowerCase();
    if (t.startsWith('>>>')) return false;
    if (/^<<<\s*[2345]\d\d\s/.test(t)) return true;
  }
  return false;
}
