// Novell (Micro Focus) GroupWise Internet Agent: subject "Message status - undeliverable", text "The
// message that you sent was undeliverable to the following:" then one line per recipient,
// "address (reason)", e.g. "recipient@example.net (user not found)".

import { blocksAfter, includesAny, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

const INTRO = ['the message that you sent was undeliverable to the following', 'was undeliverable to the following'];

export const groupwise: Format = {
  name: 'groupwise',
  detect: (mail) => includesAny(mail.head, INTRO),
  parse: (mail) => resultOf(blocksAfter(mail, INTRO, ['possible causes', 'original message', 'options:']).map((b) => recipient(b.address, b.text))),
};
