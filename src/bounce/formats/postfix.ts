// Postfix (bounce(8) templates): "This is the mail system at host …", each recipient on a line
// "<address>: host mx[ip] said: 550 … (in reply to RCPT TO command)" or "<address> (expanded from
// <alias>): …", continued by indented lines; an RFC 3464 report attached (Postfix 2.3+). Delay warnings:
// subject "Delayed Mail (still being retried)" and "THIS IS A WARNING ONLY". Postfix before 2.3 wrote
// "This is the Postfix program at host …" with the same recipient lines and no report.

import { addressesIn } from '../address.js';
import { bound, fromReport, includesAny, recipient, resultOf, senderSide } from './kit.js';
import type { Mail } from './mail.js';
import type { Format } from './types.js';

// The bounce template: "This is the mail system at host …" (Postfix 2.3+) or "This is the $mail_name
// program at host …" (older; mail_name is configurable), then "I'm sorry to have to inform you that …".
const SIGNATURE = ['this is the mail system at host', 'this is the postfix program at host', 'i\'m sorry to have to inform you that'];
const SUBJECTS = ['undelivered mail returned to sender', 'delayed mail (still being retried)', 'mail delivery status report', 'successful mail delivery report'];
const DELAY = ['delayed mail (still being retried)', 'this is a warning only', 'will be retried until'];

/** Postfix's recipient lines: "<address>[ (expanded from <alias>)]: text", continued by indented lines. */
export function postfixBlocks(mail: Mail): Map<string, string> {
  const out = new Map<string, string>();
  const skip = senderSide(mail);
  let current: string | null = null;
  let text: string[] = [];
  const flush = () => {
    if (current && !out.has(current)) out.set(current, bound(text.join(' ').replace(/\s+/g, ' ')));
    current = null;
    text = [];
  };
  for (const line of mail.lines) {
    const m = /^<([^<>\s]{1,254}@[^<>\s]{1,255})>(?:\s*\(expanded from <[^>]{0,300}>\))?:\s?(.*)$/.exec(line);
    if (m) {
      flush();
      const a = addressesIn(m[1], 1)[0];
      if (a && !skip.has(a)) {
        current = a;
        text = [m[2]];
      }
      continue;
    }
    if (current && /^\s+\S/.test(line)) text.push(line.trim());
    else flush();
  }
  flush();
  return out;
}

export const postfix: Format = {
  name: 'postfix',
  detect: (mail) =>
    includesAny(mail.head, SIGNATURE) ||
    (includesAny(mail.subjectLc, SUBJECTS) && mail.reports.some((r) => r.toLowerCase().includes('x-postfix'))),
  parse(mail) {
    const blocks = postfixBlocks(mail);
    const delayed = includesAny(mail.subjectLc, DELAY) || includesAny(mail.head, DELAY);
    if (mail.reports.length > 0) return fromReport(mail, (a) => blocks.get(a) ?? '');
    return resultOf([...blocks].map(([a, text]) => recipient(a, text, { delayed })));
  },
};
