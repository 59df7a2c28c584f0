// Verizon Wireless's vtext.com gateway (an Apache James server): "Error: Invalid user address" /
// "Error message below:" with the reply, then "Message details:" listing "RCPT TO: <address>".

import { addressesIn } from '../address.js';
import { includesAny, lineIndex, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

export const verizon: Format = {
  name: 'verizon',
  detect: (mail) => includesAny(mail.head, ['error message below:']) && includesAny(mail.head, ['message details:']),
  parse(mail) {
    const at = lineIndex(mail, ['error message below:']);
    const reply = at >= 0 ? mail.lines.slice(Math.max(0, at - 1), at + 3).join('\n') : '';
    const out = [];
    for (const line of mail.lines) {
      const m = /^\s*rcpt to:\s*(.+)$/i.exec(line);
      if (m) for (const a of addressesIn(m[1], 5)) out.push(recipient(a, reply));
    }
    return resultOf(out);
  },
};
