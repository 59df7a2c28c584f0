// Courier MTA: "This is a delivery status notification from host, running the Courier mail server",
// then "UNDELIVERABLE MAIL" / "Your message to the following recipients cannot be delivered:" or
// "DELAYED MAIL" / "… has been delayed", each "<address>:" followed by the remote host and the SMTP
// dialogue (">>> RCPT TO:<address>", "<<< 550 …"). An RFC 3464 report is attached.

import { blocksAfter, fromReport, includesAny, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

const SIGNATURE = ['running the courier mail server', 'courier mail server'];
const INTRO = ['following recipients cannot be delivered', 'following recipients has been delayed', 'following recipients have been delayed', 'following recipients was delayed'];
const END = ['-----------------------------------------', 'if your message was also sent to additional recipients'];
const DELAY = ['delayed mail', 'has been delayed', 'have been delayed'];

export const courier: Format = {
  name: 'courier',
  detect: (mail) => includesAny(mail.head, SIGNATURE),
  parse(mail) {
    const blocks = new Map(blocksAfter(mail, INTRO, END).map((b) => [b.address, b.text]));
    if (mail.reports.length > 0) {
      const r = fromReport(mail, (a) => blocks.get(a) ?? '');
      if (r) return r;
    }
    const delayed = includesAny(mail.head, DELAY);
    return resultOf([...blocks].map(([a, text]) => recipient(a, text, { delayed })));
  },
};
