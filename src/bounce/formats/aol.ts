// AOL's own notice: "Your mail to the following recipients could not be delivered because they are not
// accepting mail from <sender>:" followed by the recipients' screen names alone (the domain is the
// notifying system's, aol.com). They refuse this sender: the recipient's own choice (filtered).

import { blocksAfter, includesAny, lineIndex, recipient, resultOf, senderSide } from './kit.js';
import type { Format } from './types.js';

const INTRO = ['your mail to the following recipients could not be delivered'];

export const aol: Format = {
  name: 'aol',
  detect: (mail) => includesAny(mail.head, INTRO),
  parse(mail) {
    const at = lineIndex(mail, INTRO);
    const reason = at >= 0 ? mail.lines[at] : '';
    const listed = blocksAfter(mail, INTRO).map((b) => recipient(b.address, `${b.text}\n${reason}`));
    if (listed.length > 0) return resultOf(listed);
    const domain = mail.fromAddress ? mail.fromAddress.slice(mail.fromAddress.lastIndexOf('@') + 1) : null;
    if (!domain || at < 0) return null;
    const skip = senderSide(mail);
    const out = [];
    for (const line of mail.lines.slice(at + 1, at + 30)) {
      const m = /^\s+([A-Za-z0-9][A-Za-z0-9._+-]{0,63})\s*$/.exec(line);
      if (!m) {
        if (line.trim() !== '' && out.length > 0) break;
        continue;
      }
      const a = `${m[1]}@${domain}`.toLowerCase();
      if (!skip.has(a)) out.push(recipient(a, reason));
    }
    return resultOf(out);
  },
};
