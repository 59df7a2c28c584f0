// The fallback for failure notices no other format claims: a mail-system sender or a failure subject,
// failure wording in the text, and the failed addresses named in it. Recipients come from the lines
// after a sentence that announces them ("the following recipients …"), else from lines that open
// with an address, else from addresses said in a sentence about the failure. Contact addresses, the
// sender's own addresses and list -bounces addresses never count.

import { addressesIn, isSystemLocalPart } from '../address.js';
import { failedRecipientsHeader, includesAny, isContactLine, isHeaderishLine, recipient, resultOf, senderSide } from './kit.js';
import type { Mail } from './mail.js';
import type { Format, FormatResult } from './types.js';

const SYSTEM_SENDER_WORDS = [
  'mailer-daemon', 'mailer daemon', 'mailerdaemon', 'mailer_daemon', 'mail-daemon', 'mail daemon', 'maildaemon',
  'mail delivery', 'mail system', 'mailsystem', 'postmaster', 'delivery status', 'delivery notification', 'mail server',
  'mailserver', 'mail administrator', 'system administrator', 'mail gateway', 'notification', 'e-mail delivery',
  'email delivery', 'mdaemon', 'smtp', 'mta', 'interscan', 'antivirus', 'anti-spam', 'antispam', 'mail filter',
  'delivery agent', 'deliveryagent',
];

const SYSTEM_LOCAL_WORDS = ['daemon', 'postmaster', 'mailer', 'bounce', 'mdaemon', 'ndr', 'notif', 'delivery'];

/** A sender that is a mail system, not a person: the null sender, MAILER-DAEMON, postmaster, … */
export function isMailSystemSender(mail: Mail): boolean {
  const addr = mail.fromAddress;
  if (!addr) return mail.from.includes('<>') || mail.from.trim() === '' || includesAny(mail.fromLc, SYSTEM_SENDER_WORDS);
  if (isSystemLocalPart(addr)) return true;
  const display = mail.fromLc.replace(/<[^>]{0,300}>/, '').replace(addr, '');
  if (includesAny(display, SYSTEM_SENDER_WORDS)) return true;
  return includesAny(addr.slice(0, addr.lastIndexOf('@')), SYSTEM_LOCAL_WORDS);
}

const FAILURE_SUBJECT = [
  'mail failed', 'message failed', 'delivery failed', 'returning to sender', 'undeliverable', 'undelivered', 'undelivery',
  'delivery status notification', 'delivery failure', 'delivery problem', 'delivery notification', 'delivery error',
  'delivery report', 'returned mail', 'returned message', 'mail delivery', 'mailer delivery', 'delivery has failed',
  'failure notice', 'failed mail', 'mail failure', 'not delivered', 'could not be delivered', 'message status',
  'nondeliverable', 'non-delivery', 'nondelivery', 'non delivery', 'mail returned', 'message returned',
  'returning message', 'mail system error', 'bounce', 'rejected mail', 'automatically rejected', 'permanent error',
  'permanent failure', 'delivery warning', 'delivery delayed', 'delivery delay', 'warning: could not', 'warning: message',
  'not yet been delivered', 'delayed mail', 'processing error', 'error during delivery', 'user unknown',
  'unzustellbar', 'nicht zustellbar', 'fehler', 'non recapitabile', 'non remis', 'non distribu', 'no se pudo entregar',
  'no entregado', 'não entregue', 'nao entregue', 'não foi entregue', 'nao foi entregue', 'onbestelbaar', 'zwrot',
  'returmail', 'levering mislukt',
];

const FAILURE_TEXT = [
  'failed addresses', 'no valid recipients', 'not a valid user', 'not a valid recipient', 'not a valid address',
  'not a valid mailbox', 'has been postponed', 'was postponed', 'will continue to try to deliver', 'could not be delivered',
  'couldn\'t be delivered', 'could not be sent', 'couldn\'t be sent', 'cannot be delivered', 'can not be delivered',
  'can\'t be delivered', 'undeliverable', 'undelivered', 'was not delivered', 'were not delivered', 'not been delivered',
  'delivery to the following', 'delivery has failed', 'delivery failed', 'failed permanently', 'failed recipient',
  'permanent error', 'permanent failure', 'permanent fatal', 'fatal error', 'unable to deliver', 'wasn\'t able to deliver',
  'weren\'t able to deliver', 'not able to deliver', 'could not deliver', 'did not reach', 'not reach the following',
  'could not reach', 'message was rejected', 'message has been rejected', 'message rejected', 'message was refused',
  'message refused', 'message bounced', 'message was bounced', 'message was returned', 'recipient rejected',
  'recipient address rejected', 'user unknown', 'unknown user', 'no such user', 'no such mailbox', 'no such address',
  'mailbox is full', 'mailbox full', 'mailbox unavailable', 'mailbox is unavailable', 'mailbox unknown',
  'error during delivery', 'error in delivery', 'following address had', 'following addresses had',
  'following address failed', 'following addresses failed', 'address failed', 'addresses failed', 'delivery problem',
  'delivery failure', 'was not accepted', 'message could not', 'the following recipient', 'occurred while delivering',
  'returned to sender', 'returned to the sender', 'could not be processed', 'delivery delayed', 'delivery is delayed',
  'not yet been delivered', 'transcript of session', 'transcript of the session', 'smtp error', 'remote host said',
  'does not like recipient', 'given up', 'non è stato possibile', 'non e stato possibile', 'nicht zugestellt',
  'no pudo ser entregado', 'n\'a pas pu être', 'n\'a pas pu etre', 'pas pu être remis', 'pas pu etre remis',
  'pas pu être distribu', 'pas pu etre distribu',
  // CJK and Cyrillic notices (no word boundaries to rely on there)
  '配信', '送信できません', '送信に失敗', '不能送达', '無法送達', '无法发送', '无法送达', '退信', 'не доставлено',
  'не может быть доставлено', 'не было доставлено',
];

/** Wording of a warning that delivery is still being tried. */
export const DELAY_WORDS = [
  'has not yet been delivered', 'not yet been delivered', 'will continue to retry', 'will continue to try',
  'will continue to attempt', 'will retry', 'will be retried', 'will keep trying', 'still trying', 'still being retried',
  'still be retried', 'has been delayed', 'is delayed', 'was delayed', 'delivery delayed', 'message delayed',
  'delivery has been deferred', 'delivery is deferred', 'temporarily deferred', 'temporarily delayed',
  'temporarily undeliverable', 'delivery delay', 'delayed mail', 'deferred mail', 'deferred delivery', 'warning only',
  'this is a warning', 'this is only a warning', 'this is just a warning', 'warning message only', 'no action is required',
  'do not need to resend', 'don\'t need to resend', 'retry until', 'retrying until', 'retried until', 'retry for',
  'retried for', 'is kept in the queue', 'delivery status notification (delay)', 'only a temporary failure',
];

/** Wording that says the sender gave up: a final failure, whatever else the notice says. */
export const FINAL_WORDS = [
  'permanent error', 'permanent failure', 'permanent fatal', 'permanently failed', 'failed permanently', 'fatal error',
  'given up', 'giving up', 'gave up', 'will not retry', 'will not be retried', 'will not try', 'no further attempts',
  'no further retries', 'deleted from queue', 'deleted from the queue', 'could not be delivered to the following',
  'cannot be delivered to the following', 'has been returned', 'is returned', 'undeliverable', 'undelivered',
  'has failed', 'delivery failed', 'retry timeout exceeded', 'retry time not reached for any host after a long failure period',
  'in the queue too long', 'message expired', 'delivery time expired',
];

const FINAL_PATTERN = /could not be delivered for (more than )?\d{1,4} (day|hour)/;

/** A warning that delivery goes on, not a final failure. */
export function isDelayNotice(mail: Mail): boolean {
  const head = mail.lc.slice(0, 6000);
  const delay = includesAny(mail.subjectLc, DELAY_WORDS) || includesAny(head, DELAY_WORDS);
  return delay && !includesAny(head, FINAL_WORDS) && !FINAL_PATTERN.test(head);
}

/** Does the message read like a failure notice at all? */
export function looksLikeNotice(mail: Mail): boolean {
  const head = mail.lc.slice(0, 20_000);
  const system = isMailSystemSender(mail);
  const subjectFails = includesAny(mail.subjectLc, FAILURE_SUBJECT) && !/^\s*(re|fw|fwd|aw|wg|tr|sv)\s*:/.test(mail.subjectLc);
  const textFails = includesAny(head, FAILURE_TEXT);
  // A person posting to a list about bounces is list traffic, not a notice.
  const listTraffic = !system && mail.headers('list-id').length + mail.headers('list-post').length > 0;
  return (system && (subjectFails || textFails)) || (subjectFails && textFails && !listTraffic);
}

/** A sentence that announces the list of failed recipients; what follows it is the list. */
const INTRODUCERS = [
  'following recipient', 'following address', 'following destination', 'following user', 'following e-mail address',
  'following email address', 'did not reach', 'could not be delivered to', 'could not be sent to', 'addresses failed',
  'address failed', 'failed recipient', 'permanent fatal errors', 'undeliverable to', 'error occurred while delivering',
  'errors occurred while delivering', 'error while delivering', 'error delivering', 'list of recipients',
  'not reach the following', 'destinataire', 'empfänger', 'empfaenger',
];
const INTRODUCER_PATTERNS = [
  /\b(unable|not able|failed) to deliver (your |this |the )?(message |mail )?to\b/,
  /\b(not|never) (be )?delivered to\b/,
  /\bdelivery to .{0,40}failed/,
  /\b(mail|message) (to|for) .{0,60} (could not|cannot|was not)/,
];

function isIntroducer(lower: string): boolean {
  return includesAny(lower, INTRODUCERS) || INTRODUCER_PATTERNS.some((re) => re.test(lower));
}

/** "<address>:", "RCPT TO: address", "address ... (reason)": the address is in a recipient position. */
const RECIPIENT_POSITION =
  /^\s*(?:[-*>]+\s*)?(?:[45]\d\d[- ](?:[45]\.\d{1,3}\.\d{1,3}\s+)?)?(?:(?:rcpt to|to|recipient|addressee|original-recipient|final-recipient|intended recipient|address|user|failed address)\s*:?\s*)?<?[^\s<>()"',;]{1,128}@[^\s<>()"',;]{1,255}>?\s*(?::|\.{3}|\(|$|on\s|-{1,3}\s|\[)/i;

/** "… delivering your mail to <a>", "message to a": the address is the object of a sending verb. */
const SENT_TO_BEFORE = /\b(deliver\w*|sen[dt]|message|mail|rcpt)\b(\s+\S+){0,3}\s+to:?\s*<?$/i;

function sentTo(line: string, address: string): boolean {
  const i = line.toLowerCase().indexOf(address);
  return i > 0 && SENT_TO_BEFORE.test(line.slice(Math.max(0, i - 80), i));
}

const FAILURE_CONTEXT = ['deliver', 'message', 'mail to', 'mailed to', 'recipient', 'unknown', 'invalid', 'not found', 'not exist', 'reject', 'fail', 'bounce', 'mailbox', 'quota', 'full'];

function collect(lines: string[], skip: Set<string>): string[] {
  const strong: string[] = [];
  const weak: string[] = [];
  const aliases: string[] = [];
  const weakLines = new Map<string, string>();
  // An address offered as a contact anywhere in the notice is a contact everywhere in it.
  const contacts = new Set<string>();
  for (const line of lines) if (line.includes('@') && isContactLine(line)) for (const a of addressesIn(line, 20)) contacts.add(a);
  for (const line of lines) {
    if (!line.includes('@') || isHeaderishLine(line) || isContactLine(line)) continue;
    const lower = line.toLowerCase();
    const position = RECIPIENT_POSITION.test(line);
    if ((lower.includes('expanded from') || lower.includes('generated from')) && !position) {
      // The address the mail was first sent to, before aliasing: kept only when nothing else is named.
      for (const a of addressesIn(line, 5)) if (!skip.has(a) && !aliases.includes(a)) aliases.push(a);
      continue;
    }
    for (const a of addressesIn(line, 20)) {
      if (skip.has(a) || contacts.has(a) || /-bounces?[+@]/.test(a)) continue;
      if (isSystemLocalPart(a) && !/^\s*<[^>]+>:?\s*$/.test(line) && !/\bto <?[^\s]+@/i.test(line)) continue;
      if (position || sentTo(line, a)) {
        if (!strong.includes(a)) strong.push(a);
      } else if (!weak.includes(a)) {
        weak.push(a);
        weakLines.set(a, lower);
      }
    }
  }
  // Many addresses in prose and none in a recipient position: an explanation, not a list.
  if (strong.length === 0 && weak.length > 3) return [];
  if (strong.length === 0 && weak.length === 0) return aliases.slice(0, 10);
  if (strong.length === 0 && weak.length > 1) {
    const said = weak.filter((a) => includesAny(weakLines.get(a) ?? '', FAILURE_CONTEXT));
    if (said.length > 0) return said;
  }
  const out = [...strong];
  for (const a of weak) if (!out.includes(a)) out.push(a);
  return out.slice(0, 50);
}

/** Some systems (AOL) list only the local part; the domain is the reporting system's own. */
function bareLocalParts(lines: string[], domain: string | null, skip: Set<string>): string[] {
  if (!domain) return [];
  const out: string[] = [];
  for (const l of lines) {
    const m = /^\s+([A-Za-z0-9][A-Za-z0-9._+-]{0,63})\s*$/.exec(l);
    if (!m) continue;
    const a = `${m[1]}@${domain}`.toLowerCase();
    if (!skip.has(a) && !out.includes(a)) out.push(a);
  }
  return out;
}

/** The failed addresses a notice names, most trustworthy source first. */
export function recipientsInText(mail: Mail, skip: Set<string> = senderSide(mail)): string[] {
  const lines = mail.lines.slice(0, 2000);
  const intro = lines.findIndex((l) => isIntroducer(l.toLowerCase()));
  if (intro >= 0) {
    const after = collect(lines.slice(intro), skip);
    if (after.length > 0) return after;
    const domain = mail.fromAddress ? mail.fromAddress.slice(mail.fromAddress.lastIndexOf('@') + 1) : null;
    const bare = bareLocalParts(lines.slice(intro + 1, intro + 6), domain, skip);
    if (bare.length > 0) return bare;
  }
  const all = collect(lines, skip);
  if (all.length > 0) return all;
  return addressesIn(mail.subject, 5).filter((a) => !skip.has(a) && !isSystemLocalPart(a));
}

/** The notice lines about one recipient: its line and what follows until the next recipient. */
export function textAbout(mail: Mail, address: string, all: string[]): string {
  const lines = mail.lines;
  let i = -1;
  for (let k = 0; k < lines.length; k++) if (mail.linesLc[k].includes(address)) { i = k; break; }
  if (i < 0) return '';
  const out: string[] = [lines[i]];
  for (let j = i + 1; j < lines.length && j <= i + 12; j++) {
    const l = mail.linesLc[j];
    if (all.some((a) => a !== address && l.includes(a))) break;
    if (lines[j].trim() === '' && out.length > 1 && lines[j + 1] !== undefined && lines[j + 1].trim() === '') break;
    out.push(lines[j]);
  }
  // With one recipient the line before may say why ("User unknown:" then the address); with several it
  // belongs to the previous recipient.
  if (all.length === 1 && i > 0 && lines[i - 1].trim() !== '') out.unshift(lines[i - 1]);
  return out.join('\n').slice(0, 2000);
}

/** Builds the result for a prose notice from its addresses: each with the lines about it. */
export function proseResult(mail: Mail, addresses: string[], delayed: boolean): FormatResult | null {
  const context = mail.text.slice(0, 1500);
  return resultOf(addresses.map((a) => recipient(a, textAbout(mail, a, addresses), { context: context + '\n' + mail.subject, delayed })));
}

export const generic: Format = {
  name: 'generic',
  detect: (mail) => failedRecipientsHeader(mail).length > 0 || looksLikeNotice(mail),
  parse(mail) {
    const delayed = isDelayNotice(mail);
    const listed = failedRecipientsHeader(mail);
    return proseResult(mail, listed.length > 0 ? listed : recipientsInText(mail), delayed);
  },
};

