// Barracuda Spam (& Virus) Firewall: subject "**Message you sent blocked by our bulk email filter**",
// text "Your message to: address was blocked by our Spam Firewall." An RFC 3464 report follows.

import { fromReport, includesAny, recipient, resultOf, senderSide } from './kit.js';
import { addressesIn } from '../address.js';
import type { Format } from './types.js';

export const barracuda: Format = {
  name: 'barracuda',
  detect: (mail) => includesAny(mail.head, ['blocked by our spam firewall', 'blocked by our spam & virus firewall']) || mail.subjectLc.includes('blocked by our bulk email filter'),
  parse(mail) {
    const text = mail.text.slice(0, 600);
    const r = fromReport(mail, () => text);
    if (r) return { ...r, recipients: r.recipients.map((x) => ({ ...x, context: `${x.context}\n${text}` })) };
    const skip = senderSide(mail);
    const m = /your message to:\s*(\S+)/i.exec(mail.text);
    return resultOf((m ? addressesIn(m[1], 1) : []).filter((a) => !skip.has(a)).map((a) => recipient(a, text)));
  },
};
