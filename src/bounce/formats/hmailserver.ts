// hMailServer's delivery failure text: "Your message did not reach some or all of the intended
// recipients." … "The following recipient(s) could not be reached:" then per recipient the address,
// "Error Type: SMTP", "Remote server (ip) issued an error.", "hMailServer sent: RCPT TO:<address>",
// "Remote server replied: 550 …".

import { commandIn } from '../smtp.js';
import { blocksAfter, includesAny, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

const INTRO = ['the following recipient(s) could not be reached'];

export const hmailserver: Format = {
  name: 'hmailserver',
  // The sentences are Exchange 2000's (exchange2003.ts); hMailServer signs its own.
  detect: (mail) => includesAny(mail.head, INTRO) && mail.lc.includes('hmailserver'),
  parse: (mail) =>
    resultOf(
      blocksAfter(mail, INTRO).map((b) => {
        const sent = /hmailserver sent:\s*(.+)/i.exec(b.text);
        return recipient(b.address, b.text, { command: sent ? commandIn(`>>> ${sent[1]}`) : null });
      }),
    ),
};
