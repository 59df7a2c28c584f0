// Zoho Mail (mailer-daemon@mail.zoho.com): Exim's opening sentence, then one line per recipient,
// "address Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <address>... User Unknown".

import { addressBlocks, includesAny, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

export const zoho: Format = {
  name: 'zoho',
  detect: (mail) => includesAny(mail.head, ['error_code :']) && (mail.fromLc.includes('zoho') || includesAny(mail.head, ['this message was created automatically by mail delivery software'])),
  parse(mail) {
    const blocks = addressBlocks(mail, { stop: (l) => /^(received|message-id|from|to|subject|date)\s*:/.test(l) });
    return resultOf(blocks.filter((b) => b.text.toLowerCase().includes('error_code')).map((b) => recipient(b.address, b.text.split('\n')[0])));
  },
};
