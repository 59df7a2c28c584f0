// au by KDDI (ezweb.ne.jp, au.com, dion.ne.jp), the Japanese mobile carrier: "Mail System Error -
// Returned Mail" with "The user(s) account is disabled." or "Each of the following recipients was
// rejected by a remote mail server." then "Recipient: <address>" and the SMTP dialogue; the older
// dion.ne.jp form "Could not be delivered to: <address> As their mailbox is full.".

import { addressBlocks, includesAny, lineIndex, recipient, resultOf } from './kit.js';
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
    return resultOf(blocks.map((b) => recipient(b.address, `${b.text}\n${reason}`)));
  },
};
