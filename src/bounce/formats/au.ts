// au by KDDI (ezweb.ne.jp, au.com, dion.ne.jp), the Japanese mobile carrier: "Mail System Error -
// Returned Mail" with "The user(s) account is disabled." or "Each of the following recipients was
// rejected by a remote mail server." then "Recipient: <address>" and the SMTP dialogue; the older
// dion.ne.jp form "Could not be delivered to: <address> As their mailbox is full.".

import { addressesIn } from '../address.js';
import { addressBlocks, includesAny, lineIndex, recipient, resultOf, senderSide } from './kit.js';
import type { Format } from './types.js';

const SIGNATURE = ['the user(s) account is disabled', 'each of the following recipients was rejected by a remote', 'could not be delivered to:'];

export const au: Format = {
  name: 'au',
  detect: (mail) =>
    includesAny(mail.head, SIGNATURE) &&
    (mail.fromLc.includes('ezweb.ne.jp') || mail.fromLc.includes('au.com') || mail.fromLc.includes('dion.ne.jp') || mail.subjectLc.includes('mail system error')),
  parse(mail) {
    const at = lineIndex(mail, SIGNATURE);
    const reason = at >= 0 ? mail.lines.slice(at, at + 1).join(' ') : '';
    const blocks = addressBlocks(mail, { start: Math.max(0, at) });
    if (blocks.length === 0 && at >= 0) {
      // dion.ne.jp: "Could not be delivered to: <address>" then the reason on the next line.
      const text = mail.lines.slice(at, at + 3).join('\n');
      const skip = senderSide(mail);
      return resultOf(addressesIn(text, 5).filter((a) => !skip.has(a)).map((a) => recipient(a, text)));
    }
    return resultOf(blocks.map((b) => recipient(b.address, `${b.text}\n${reason}`)));
  },
};
