// Sun Java System / Oracle Communications Messaging Server (and iPlanet, Netscape Messaging Server):
// "This report relates to a message you sent with the following header fields:", then "Your message
// cannot be delivered to the following recipients:" (or "has been delayed" / "is being held"), and per
// recipient "Recipient address: …", "Reason: …", "Diagnostic code: smtp;550 …", "Remote system: …".
// An RFC 3464 report is attached.

import { addressesIn } from '../address.js';
import { fromReport, includesAny, recipient, resultOf } from './kit.js';
import type { Mail } from './mail.js';
import type { Format } from './types.js';

const SIGNATURE = ['this report relates to a message you sent with the following header fields'];
const DELAY = ['has been delayed', 'delivery attempts will continue', 'delivery delayed', 'is being held'];

/** "Recipient address: a" blocks with their "Reason:" and "Diagnostic code:" lines. */
function recipientBlocks(mail: Mail): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | null = null;
  let text: string[] = [];
  const flush = () => {
    if (current && !out.has(current)) out.set(current, text.join('\n'));
  };
  for (const line of mail.lines) {
    const m = /^\s*recipient address:\s*(\S+)/i.exec(line);
    if (m) {
      flush();
      current = addressesIn(m[1], 1)[0] ?? null;
      text = [];
      continue;
    }
    if (current && /^\s*(reason|diagnostic code|original address|remote system|status)\s*:/i.test(line)) text.push(line.trim());
  }
  flush();
  return out;
}

export const messagingserver: Format = {
  name: 'messagingserver',
  detect: (mail) => includesAny(mail.head, SIGNATURE),
  parse(mail) {
    const blocks = recipientBlocks(mail);
    if (mail.reports.length > 0) {
      const r = fromReport(mail, (a) => blocks.get(a) ?? '');
      if (r) return r;
    }
    const delayed = includesAny(mail.head, DELAY) || mail.subjectLc.includes('delayed');
    return resultOf([...blocks].map(([a, text]) => recipient(a, text, { delayed })));
  },
};
