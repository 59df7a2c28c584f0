// Microsoft Exchange 5.5/2000/2003 NDRs: "Your message … did not reach the following recipient(s):"
// (the Internet Mail Connector: "Your message did not reach some or all of the intended recipients. …
// The following recipient(s) could not be reached:") then "address on <date>" followed by the reason
// ("The e-mail account does not exist at the organization this message was sent to.") and the MTA line
// "<host #5.1.1 smtp;550 5.1.1 User unknown>" or an "MSEXCH:IMS:…" code.

import { blocksAfter, includesAny, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

const SIGNATURE = ['did not reach the following recipient', 'msexch:', 'your message did not reach some or all of the intended recipients'];
const INTRO = ['did not reach the following recipient', 'the following recipient(s) could not be reached'];

export const exchange2003: Format = {
  name: 'exchange2003',
  detect: (mail) => includesAny(mail.head, SIGNATURE),
  parse: (mail) => resultOf(blocksAfter(mail, INTRO).map((b) => recipient(b.address, b.text))),
};
