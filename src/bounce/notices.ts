// Failure notices without a machine-readable report: qmail, Exim, Sendmail and Postfix without DSN,
// Exchange/Office 365 and Lotus/Domino text, Gmail, Yahoo, ESP notices, and the long tail. They
// share a shape: a mail-system sender, a failure subject or sentence, and the failed addresses
// in the text, each followed by why. The formats that name recipients in a special way get a rule
// in RECIPIENT_LINES; everything else falls back to the addresses the notice text names.

import { addressesIn, firstAddress, isSystemLocalPart } from './address.js';
import { decodeHeader, headerValues, type Header } from './mime.js';
import type { MessageView } from './view.js';

export interface NoticeRecipient {
  address: string;
  /** The lines of the notice about this recipient. */
  text: string;
}

export interface NoticeResult {
  kind: 'bounce' | 'delay';
  recipients: NoticeRecipient[];
  detector: string;
}

const SYSTEM_SENDER_NAME =
  /\b(mail(er)?[-_ .]?daemon|mail delivery (sub)?system|mail ?system|postmaster|delivery (status )?notification|mail ?server|mail administrator|system administrator|mail ?gateway|notification|e-?mail delivery|mdaemon|smtp|mta|interscan|antivirus|anti-?spam|mail ?filter|delivery ?agent)\b/i;

const FAILURE_SUBJECT =
  /\b((mail|message|delivery) failed|returning to sender|undeliver(able|ed)|undelivery|delivery (status notification|failure|failed|problem|notification|error|report)|returned (mail|message)|mail(er)? delivery (failed|failure|problem|error|system)|delivery has failed|failure notice|failed mail|mail failure|mail not delivered|could not be delivered|not delivered|message (not delivered|status)|nondeliverable|non[- ]?delivery|(mail|message) returned|returning message|mail system error|bounced?( mail)?|rejected mail|automatically rejected|permanent (error|failure)|delivery (error|warning|delayed|delay)|warning: (could not|message)|not (yet )?been delivered|delayed mail|unzustellbar|nicht zustellbar|non recapitabile|non remis|non distribu|no (se )?(pudo )?entrega|n(ã|a)o (foi )?entregue|onbestelbaar|zwrot|returmail|levering mislukt|mail delivery|processing error|error during delivery|user unknown|fehler)/i;

const FAILURE_BODY =
  /\b(failed addresses|no valid recipients|not a valid (user|recipient|address|mailbox)|(has been|was) postponed|will continue to try to deliver|could ?n[o']t be (delivered|sent)|can ?no?'?t be delivered|cannot be delivered|undeliver(able|ed)|(was|were|has|have|had) not (been )?delivered|delivery (to the following [\w ()]{0,30})?(has )?failed|failed (permanently|recipients?)|permanent (error|failure|fatal)|fatal errors?|unable to deliver|(was|were)n?'?t? ?(not )?able to deliver|not able to deliver|could not deliver|did not reach|not reach the following|could not reach|message (was |has been )?(rejected|refused|bounced|returned)|recipient (address )?rejected|user unknown|unknown user|no such (user|mailbox|address)|mailbox (is )?(full|unavailable|unknown)|error (during|in) delivery|following address(es)? (had|failed)|address(es)? failed|delivery (problem|failure)|was not accepted|message could not|the following recipients?|errors? occurred while delivering|returned to (the )?sender|could not be processed|delivery (is )?delayed|has not yet been delivered|not yet been delivered|transcript of (the )?session|smtp error|remote host said|does not like recipient|given up|non (è|e) stato possibile|nicht zugestellt|no pudo ser entregado|n'a pas pu (ê|e)tre|pas pu (ê|e)tre (remis|distribu))/i;

// Without \b: a word boundary never falls next to a CJK or Cyrillic letter in JavaScript.
const FAILURE_BODY_INTL = /(配信|送信(できません|に失敗)|不能送达|無法送達|无法发送|无法送达|退信|не доставлено|не может быть доставлено|не (было )?доставлено)/;

const DELAY_TEXT =
  /\b(has not yet been delivered|not (yet )?been delivered yet|will (continue to |keep )?(retry|try|attempt)|still (trying|being retried|be retried)|(delivery|message) (has been |is |was )?(delayed|deferred)|delayed mail|warning only|this is (only |just )?a warning|no action is required|will be retried|retry(ing)? (until|for|delivery)|temporar(il)?y (deferred|delayed|undeliverable)|delivery delay|deferred (mail|delivery|message)|delivery status notification \(delay\)|has been delayed)/i;

const PERMANENT_TEXT =
  /\b(permanent(ly)? (error|failure|fatal|failed)|failed permanently|fatal error|given up|giving up|gave up|will not (be )?(retry|retried|try)|no further (attempts|retries)|deleted from (the )?queue|(could not|cannot|can't|unable to) be delivered to the following|has been returned|is returned|undeliverable|undelivered|has failed|delivery failed|could not be delivered)/i;

/** Lines that name an address for some other reason than its failure. */
const HEADERISH_LINE =
  /^\s*[>|]?\s*(from|sender|reply-to|return-path|errors-to|message-id|in-reply-to|references|received|by|id|x-[\w-]+|mail from|envelope-from|resent-\w+|list-\w+)\s*[:=]|\b(mail from|envelope-from)\b/i;
const CONTACT_LINE =
  /\b(contact|support (at|team|desk|center|centre)|customer support|help ?desk|questions|write to|e-?mail us|send (an? )?(e-?)?mail to|for (more |further )?(information|assistance|help)|complain|abuse report)\b|連絡|問い?合わ?せ/i;
const FOREIGN_LINE = { test: (l: string) => HEADERISH_LINE.test(l) || CONTACT_LINE.test(l) };

const STRONG_RECIPIENT_LINE =
  /^\s*(?:[-*>]+\s*)?(?:[45]\d\d[- ](?:[45]\.\d{1,3}\.\d{1,3}\s+)?)?(?:(?:rcpt to|to|recipient|addressee|original-recipient|final-recipient|intended recipient|address|user|failed address)\s*:?\s*)?<?[^\s<>()"',;]{1,128}@[^\s<>()"',;]{1,255}>?\s*(?::|\.{3}|\(|$|on\s|-{1,3}\s|\[)/i;

export function isMailSystemSender(view: MessageView): boolean {
  const from = view.from;
  const addr = firstAddress(from);
  if (!addr) {
    if (/<>/.test(from) || from.trim() === '') return true;
    return SYSTEM_SENDER_NAME.test(from);
  }
  if (isSystemLocalPart(addr)) return true;
  const display = from.replace(/<[^>]{0,300}>/, '').replace(addr, '');
  if (SYSTEM_SENDER_NAME.test(display)) return true;
  const local = addr.slice(0, addr.lastIndexOf('@'));
  return /(daemon|postmaster|mailer|bounce|mdaemon|ndr|notif|delivery)/i.test(local);
}

function senderSideAddresses(view: MessageView): Set<string> {
  const skip = new Set<string>();
  const add = (hs: Header[] | null, names: string[]) => {
    if (!hs) return;
    for (const n of names)
      for (const v of headerValues(hs, n)) for (const a of addressesIn(decodeHeader(v), 20)) skip.add(a);
  };
  // Not Delivered-To / X-Original-To: some agents (DragonFly) put the failed recipient there.
  add(view.headers, ['from', 'to', 'cc', 'reply-to', 'sender', 'return-path', 'errors-to', 'resent-from']);
  add(view.original, ['from', 'sender', 'reply-to', 'return-path', 'errors-to']);
  return skip;
}

function isDelay(view: MessageView, notice: string): boolean {
  const head = view.subject + '\n' + notice.slice(0, 6000);
  return DELAY_TEXT.test(head) && !PERMANENT_TEXT.test(notice.slice(0, 6000));
}

/** A failure (or delay) notice, or null when the message does not look like one. */
export function detectNotice(view: MessageView): NoticeResult | null {
  const failedHeader = headerValues(view.headers, 'x-failed-recipients');
  const notice = view.notice;
  const head = notice.slice(0, 20_000);
  const systemSender = isMailSystemSender(view);
  const subjectFails = FAILURE_SUBJECT.test(view.subject) && !/^\s*(re|fw|fwd|aw|wg|tr|sv)\s*:/i.test(view.subject);
  const bodyFails = FAILURE_BODY.test(head) || FAILURE_BODY_INTL.test(head);
  // A person posting to a list about bounces is list traffic, not a notice.
  const listTraffic = !systemSender && headerValues(view.headers, 'list-id').length + headerValues(view.headers, 'list-post').length > 0;
  const isNotice = failedHeader.length > 0 || (systemSender && (subjectFails || bodyFails)) || (subjectFails && bodyFails && !listTraffic);
  if (!isNotice) return null;

  const kind: 'bounce' | 'delay' = isDelay(view, head) ? 'delay' : 'bounce';
  const skip = senderSideAddresses(view);
  let detector = failedHeader.length > 0 ? 'notice:x-failed-recipients' : 'notice:text';

  let addresses: string[] = [];
  if (failedHeader.length > 0) {
    for (const v of failedHeader) for (const a of addressesIn(v, 50)) if (!addresses.includes(a)) addresses.push(a);
  }
  if (addresses.length === 0) {
    const fromAddr = firstAddress(view.from);
    const domain = fromAddr ? fromAddr.slice(fromAddr.lastIndexOf('@') + 1) : null;
    addresses = recipientsFromText(head, view.subject, skip, domain);
  }
  const lines = head.split('\n', 4000);
  const lower = lines.map((l) => l.toLowerCase());
  const recipients = addresses.map((address) => ({ address, text: textAbout(address, lines, lower, addresses) }));
  return { kind, recipients, detector };
}

/** A sentence that announces the list of failed recipients; what follows it is the list. */
const INTRODUCER =
  /(following (recipients?|addresses?|destinations?|users?|e-?mail addresses?)|following recipient\(s\)|following address\(es\)|did not reach|could not be (delivered|sent) to|(unable|not able|failed) to deliver (your |this |the )?(message |mail )?to|(not|never) (be )?delivered to|addresses? failed|failed recipients?|permanent fatal errors|undeliverable to|delivery to .{0,40}failed|error (occurred )?(while )?delivering|there was an error delivering|list of recipients|(mail|message) (to|for) .{0,60} (could not|cannot|was not)|not reach the following|destinataire|empf(ä|ae)nger)/i;

function recipientsFromText(text: string, subject: string, skip: Set<string>, fallbackDomain: string | null): string[] {
  const lines = text.split('\n', 4000);
  const intro = lines.findIndex((l) => INTRODUCER.test(l));
  if (intro >= 0) {
    const after = collect(lines.slice(intro), skip);
    if (after.length > 0) return after;
    const bare = bareLocalParts(lines.slice(intro + 1, intro + 6), fallbackDomain, skip);
    if (bare.length > 0) return bare;
  }
  const all = collect(lines, skip);
  if (all.length > 0) return all;
  return addressesIn(subject, 5).filter((a) => !skip.has(a) && !isSystemLocalPart(a));
}

const FAILURE_CONTEXT = /(deliver|message|mail(ed)? to|recipient|unknown|invalid|not (found|exist)|reject|fail|bounce|mailbox|quota|full)/i;

function collect(lines: string[], skip: Set<string>): string[] {
  const strong: string[] = [];
  const weak: string[] = [];
  const aliases: string[] = [];
  const weakLines = new Map<string, string>();
  // An address offered as a contact anywhere in the notice is a contact everywhere in it.
  const contacts = new Set<string>();
  for (const line of lines) if (line.indexOf('@') >= 0 && CONTACT_LINE.test(line)) for (const a of addressesIn(line, 20)) contacts.add(a);
  for (const line of lines) {
    if (line.indexOf('@') < 0) continue;
    if (FOREIGN_LINE.test(line)) continue;
    if (/\((ultimately )?(expanded|generated) from:?\s/i.test(line) && !STRONG_RECIPIENT_LINE.test(line)) {
      // The address the mail was first sent to, before aliasing: kept only when nothing else is named.
      for (const a of addressesIn(line, 5)) if (!skip.has(a) && !aliases.includes(a)) aliases.push(a);
      continue;
    }
    for (const a of addressesIn(line, 20)) {
      if (skip.has(a) || contacts.has(a) || /-bounces?(\+|@)/.test(a)) continue;
      if (isSystemLocalPart(a) && !/^\s*<[^>]+>:?\s*$/.test(line) && !/\bto <?[^\s]+@/i.test(line)) continue;
      if (STRONG_RECIPIENT_LINE.test(line) || sentTo(line, a)) {
        if (!strong.includes(a)) strong.push(a);
      } else if (!weak.includes(a)) {
        weak.push(a);
        weakLines.set(a, line);
      }
    }
  }
  // Many addresses in prose and none in a recipient position: an explanation, not a list.
  if (strong.length === 0 && weak.length > 3) return [];
  if (strong.length === 0 && weak.length === 0) return aliases.slice(0, 10);
  if (strong.length === 0 && weak.length > 1) {
    // Several addresses in prose: keep those said in a sentence about the failure.
    const said = weak.filter((a) => FAILURE_CONTEXT.test(weakLines.get(a) ?? ''));
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

/** "… delivering your mail to <a>", "message to a": the address is the object of a sending verb. */
function sentTo(line: string, address: string): boolean {
  const i = line.toLowerCase().indexOf(address);
  if (i <= 0) return false;
  return SENT_TO_BEFORE.test(line.slice(Math.max(0, i - 80), i));
}

const SENT_TO_BEFORE = /\b(deliver\w*|sen[dt]|message|mail|rcpt)\b(\s+\S+){0,3}\s+to:?\s*<?$/i;

/** The notice lines about one recipient: its line and what follows until the next recipient. */
function textAbout(address: string, lines: string[], lower: string[], all: string[]): string {
  let i = lower.findIndex((l) => l.includes(address));
  if (i < 0) return '';
  const out: string[] = [lines[i]];
  for (let j = i + 1; j < lines.length && j <= i + 12; j++) {
    if (all.some((a) => a !== address && lower[j].includes(a))) break;
    if (lines[j].trim() === '' && out.length > 1 && lines[j + 1] !== undefined && lines[j + 1].trim() === '') break;
    out.push(lines[j]);
  }
  // With one recipient the line before may say why ("User unknown:" then the address); with several it
  // belongs to the previous recipient.
  if (all.length === 1 && i > 0 && lines[i - 1].trim() !== '') out.unshift(lines[i - 1]);
  return out.join('\n').slice(0, 2000);
}
