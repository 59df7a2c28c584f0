// Yahoo! Mail and the older Yahoo/AOL-family MTAs: "Sorry, we were unable to deliver your message to
// the following address." or "Message from yahoo.com. Unable to deliver message to the following
// address(es).", then "<address>:" and the remote answer ("Remote host said: 550 … [RCPT_TO]"), up to
// "--- Below this line is a copy of the message.".

import { blocksAfter, includesAny, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

const SIGNATURE = ['sorry, we were unable to deliver your message to the following address', 'unable to deliver message to the following address'];
const END = ['--- below this line is a copy of the message', '--- original message follows'];

export const yahoo: Format = {
  name: 'yahoo',
  detect: (mail) => includesAny(mail.head, SIGNATURE),
  parse: (mail) => resultOf(blocksAfter(mail, SIGNATURE, END).map((b) => recipient(b.address, b.text))),
};
