// IBM/Lotus Domino and Notes. Domino: subject "DELIVERY FAILURE: User X (address) not listed in
// Domino Directory" / "Delivery Failure Report", text "Your message … was not delivered to: address
// because: reason". Notes before Domino: "------- Failure Reasons --------" with the reason, then the
// address, then "------- Returned Message --------".

import { addressesIn } from '../address.js';
import { addressBlocks, includesAny, lineIndex, recipient, resultOf, senderSide } from './kit.js';
import type { Format } from './types.js';

const SIGNATURE = ['was not delivered to:', '------- failure reasons', 'domino directory', 'name & address book'];

export const domino: Format = {
  name: 'domino',
  detect: (mail) =>
    includesAny(mail.head, SIGNATURE) || mail.subjectLc.startsWith('delivery failure:') || mail.subjectLc.startsWith('delivery failure report'),
  parse(mail) {
    const because = lineIndex(mail, ['because:']);
    const reason = because >= 0 ? mail.lines.slice(because + 1, because + 6).join(' ').trim() : '';
    const failures = lineIndex(mail, ['------- failure reasons']);
    const start = failures >= 0 ? failures : lineIndex(mail, ['was not delivered to']);
    const skip = senderSide(mail);
    const found = start >= 0 ? addressBlocks(mail, { start: start + 1, stop: (l) => l.includes('------- returned message') || l.startsWith('because:'), skip }) : [];
    const failureText = failures >= 0 ? mail.lines.slice(failures + 1, failures + 8).join('\n') : '';
    if (found.length === 0) {
      // The subject names the address: "DELIVERY FAILURE: User X (address) not listed in Domino Directory".
      for (const a of addressesIn(mail.subject, 3)) if (!skip.has(a)) found.push({ address: a, text: mail.subject });
    }
    return resultOf(found.map((b) => recipient(b.address, [reason, failureText, b.text].filter(Boolean).join('\n'), { context: mail.subject })));
  },
};
