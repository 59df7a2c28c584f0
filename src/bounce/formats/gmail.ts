// Gmail (mailer-daemon@googlemail.com). Until 2014 a text notice: "Delivery to the following recipient
// failed permanently:" / "… has been delayed:", the address indented, then "Technical details of
// permanent failure:" (or "temporary failure") and "The error that the other server returned was:
// 550 5.1.1 …". Since then a multipart/report: "** Address not found **", "** Message not delivered
// **", "** Delivery incomplete **" (a delay: "Gmail will retry for N more hours"), "The response from
// the remote server was:" / "The response was:", with an RFC 3464 report.

import { fromReport, includesAny, lineIndex, recipient, resultOf, senderSide, leadingAddress } from './kit.js';
import type { Mail } from './mail.js';
import type { Format } from './types.js';

const SIGNATURE = [
  'delivery to the following recipient failed permanently',
  'delivery to the following recipient has been delayed',
  'delivery to the following recipients failed permanently',
  'technical details of permanent failure',
  'technical details of temporary failure',
  '** address not found **',
  '** message not delivered **',
  '** delivery incomplete **',
  '** message blocked **',
  'the response from the remote server was',
];
const DELAY = ['has been delayed', 'technical details of temporary failure', '** delivery incomplete **', 'will retry for', 'message will be retried'];
const DETAILS = ['technical details of', 'the error that the other server returned was', 'the response from the remote server was', 'the response was'];

/** Everything after the first technical-details heading, up to the returned message. */
function details(mail: Mail): string {
  const at = lineIndex(mail, DETAILS);
  if (at < 0) return '';
  return mail.lines.slice(at, at + 30).join('\n');
}

export const gmail: Format = {
  name: 'gmail',
  detect: (mail) => includesAny(mail.head, SIGNATURE),
  parse(mail) {
    const text = details(mail);
    if (mail.reports.length > 0) {
      const r = fromReport(mail, () => text);
      if (r) return r;
    }
    const delayed = includesAny(mail.head, DELAY) && !mail.head.includes('failed permanently');
    const intro = lineIndex(mail, ['delivery to the following recipient']);
    const skip = senderSide(mail);
    const addresses: string[] = [];
    for (let i = intro + 1; intro >= 0 && i < mail.lines.length && i < intro + 20; i++) {
      const a = leadingAddress(mail.lines[i]);
      if (a && !skip.has(a) && !addresses.includes(a)) addresses.push(a);
      else if (addresses.length > 0 && mail.lines[i].trim() !== '') break;
    }
    return resultOf(addresses.map((a) => recipient(a, text, { delayed })));
  },
};
