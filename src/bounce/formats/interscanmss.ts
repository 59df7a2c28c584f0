// Trend Micro InterScan Messaging Security Suite: "Message from InterScan Messaging Security Suite",
// subject "Mail could not be delivered", "Unable to deliver message to <address> (and other recipients
// in the same domain)." with the remote reply after it.

import { addressesIn } from '../address.js';
import { includesAny, recipient, resultOf, senderSide } from './kit.js';
import type { Format } from './types.js';

export const interscanmss: Format = {
  name: 'interscanmss',
  detect: (mail) => includesAny(mail.head, ['interscan messaging security']) || mail.fromLc.includes('interscan'),
  parse(mail) {
    const skip = senderSide(mail);
    const out = [];
    for (let i = 0; i < mail.lines.length; i++) {
      const m = /(?:unable to deliver message to|could not be delivered to)\s*<?([^\s<>]+@[^\s<>]+)/i.exec(mail.lines[i]);
      if (!m) continue;
      const a = addressesIn(m[1], 1)[0];
      if (a && !skip.has(a)) out.push(recipient(a, mail.lines.slice(i, i + 6).join('\n')));
    }
    return resultOf(out);
  },
};
