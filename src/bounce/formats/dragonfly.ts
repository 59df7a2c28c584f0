// DragonFly Mail Agent (dma, the DragonFly BSD / FreeBSD MTA): "This is the DragonFly Mail Agent vX at
// host." then "There was an error delivering your mail to <address>." and the remote's answer,
// "host [ip] did not like our RCPT TO:" (or "our final DATA") followed by the reply lines.

import { addressesIn } from '../address.js';
import { includesAny, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

const SIGNATURE = ['this is the dragonfly mail agent'];
const INTRO = 'there was an error delivering your mail to';
const END = ['original message follows', 'message headers follow'];

export const dragonfly: Format = {
  name: 'dragonfly',
  detect: (mail) => includesAny(mail.head, SIGNATURE),
  parse(mail) {
    const out = [];
    for (let i = 0; i < mail.lines.length; i++) {
      const lower = mail.lines[i].toLowerCase();
      const at = lower.indexOf(INTRO);
      if (at < 0) continue;
      const address = addressesIn(mail.lines[i].slice(at), 1)[0];
      if (!address) continue;
      const text: string[] = [mail.lines[i].slice(at + INTRO.length)];
      for (let j = i + 1; j < mail.lines.length && j < i + 20; j++) {
        const l = mail.lines[j].toLowerCase();
        if (l.includes(INTRO) || includesAny(l, END) || (mail.lines[j].trim() === '' && text.length > 1)) break;
        text.push(mail.lines[j]);
      }
      out.push(recipient(address, text.join('\n')));
    }
    return resultOf(out);
  },
};
