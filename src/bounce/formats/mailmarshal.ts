// Trustwave (Marshal) MailMarshal SMTP: "Your message: … Could not be delivered because of <reply>
// The following recipients were affected: <address>", then "Additional Information" with
// "Remote-MTA:", "Reporting-MTA:".

import { addressBlocks, includesAny, lineIndex, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

export const mailmarshal: Format = {
  name: 'mailmarshal',
  detect: (mail) => includesAny(mail.head, ['the following recipients were affected']) && includesAny(mail.head, ['could not be delivered because of']),
  parse(mail) {
    const because = lineIndex(mail, ['could not be delivered because of']);
    const reply = because >= 0 ? mail.lines.slice(because + 1, because + 4).join('\n') : '';
    const at = lineIndex(mail, ['the following recipients were affected']);
    const blocks = addressBlocks(mail, { start: at + 1, stop: (l) => l.includes('additional information') });
    return resultOf(blocks.map((b) => recipient(b.address, reply)));
  },
};
