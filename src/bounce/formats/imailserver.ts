// Ipswitch IMail Server (its SMTP32 delivery agent): subject "Undeliverable Mail", from "Postmaster",
// each failure one line "<reason>: <address>" ("Unknown user: a", "Invalid final delivery userid: a",
// "Delivery failed 20 attempts: a", "User mailbox exceeds allowed size: a"), then "Original message
// follows.".

import { addressesIn } from '../address.js';
import { recipient, resultOf, senderSide } from './kit.js';
import type { Format } from './types.js';

export const imailserver: Format = {
  name: 'imailserver',
  detect: (mail) => mail.subjectLc.startsWith('undeliverable mail') && /^[^\n:]{3,60}: <?[^\s<>@]+@[^\s<>]+>?\s*$/m.test(mail.text.slice(0, 2000)),
  parse(mail) {
    const skip = senderSide(mail);
    const out = [];
    for (const line of mail.lines.slice(0, 200)) {
      const m = /^([^:\n]{3,60}):\s*<?([^\s<>]+@[^\s<>]+?)>?\s*$/.exec(line.trim());
      if (!m) continue;
      const a = addressesIn(m[2], 1)[0];
      if (a && !skip.has(a)) out.push(recipient(a, m[1]));
    }
    return resultOf(out);
  },
};
