// Exim (and the providers that kept its wording: GMX, 1&1, Mail.ru, MXLogic): "This message was
// created automatically by mail delivery software." then "A message that you sent could not be
// delivered to one or more of its recipients. This is a permanent error. The following address(es)
// failed:" and per recipient "  address" followed by indented lines ("SMTP error from remote mail
// server after RCPT TO:<address>: host …: 550 …"). X-Failed-Recipients lists the failed addresses.
// Delay warnings: subject "Warning: message <id> delayed <N> hours", text "has not yet been delivered
// to one or more of its recipients after more than N hours on the queue". Some builds attach an RFC
// 3464 report as well.

import { addressBlocks, failedRecipientsHeader, fromReport, includesAny, lineIndex, linesAbout, recipient, resultOf } from './kit.js';
import type { Mail } from './mail.js';
import type { Format } from './types.js';

const SIGNATURE = ['this message was created automatically by mail delivery software', 'this is an automated message created by mail delivery software'];
const INTRO = [
  'address(es) failed',
  'following address failed',
  'following addresses failed',
  'following address(es) failed',
  'following recipients failed',
  'address to which the message has not yet been delivered',
  'addresses to which the message has not yet been delivered',
  'could not be delivered to one or more',
];
const END = [
  '------ this is a copy of',
  '--- the header of the original message',
  'included is a copy of the message header',
  'no action is required on your part',
  'if the message remains undelivered',
];
const DELAY_TEXT = ['has not yet been delivered to one or more of its', 'has not yet been delivered to'];

function isDelayWarning(mail: Mail): boolean {
  return /^warning: message \S+ delayed\b/.test(mail.subjectLc) || includesAny(mail.head, DELAY_TEXT);
}

function eximBlocks(mail: Mail): Map<string, string> {
  const out = new Map<string, string>();
  const at = lineIndex(mail, INTRO);
  if (at < 0) return out;
  const stop = (l: string) => includesAny(l, END);
  for (const b of addressBlocks(mail, { start: at + 1, stop })) out.set(b.address, b.text);
  return out;
}

/** The text of the recipient list, from its introducing sentence to its end. */
function sectionText(mail: Mail): string {
  const at = lineIndex(mail, INTRO);
  if (at < 0) return '';
  const out: string[] = [];
  for (let i = at + 1; i < mail.lines.length && out.length < 30; i++) {
    if (includesAny(mail.lines[i].toLowerCase(), END)) break;
    out.push(mail.lines[i]);
  }
  return out.join('\n');
}

export const exim: Format = {
  name: 'exim',
  detect: (mail) =>
    includesAny(mail.head, SIGNATURE) ||
    (mail.headers('x-failed-recipients').length > 0 && (mail.subjectLc.startsWith('mail delivery failed') || mail.subjectLc.startsWith('warning: message'))),
  parse(mail) {
    const blocks = eximBlocks(mail);
    const about = (a: string, all: string[]) => blocks.get(a) ?? linesAbout(mail, a, all);
    if (mail.reports.length > 0) {
      const r = fromReport(mail, about);
      if (r) return r;
    }
    const delayed = isDelayWarning(mail);
    let addresses = [...blocks.keys()];
    if (addresses.length === 0) addresses = failedRecipientsHeader(mail);
    // A lone recipient whose block names it differently (a bare local part): the whole list is about it.
    const section = addresses.length === 1 ? sectionText(mail) : '';
    return resultOf(addresses.map((a) => recipient(a, about(a, addresses) || section, { delayed, context: mail.subject })));
  },
};
