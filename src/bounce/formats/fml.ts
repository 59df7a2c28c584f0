// fml, the Japanese mailing-list manager (X-MLServer: fml): it refuses a post from a non-member ("You
// are not a member of this mailing list <list>") or a looping one ("Loop Alert: Duplicated
// Message-ID"). The list address is the failed recipient.

import { addressesIn } from '../address.js';
import { includesAny, recipient, resultOf, senderSide } from './kit.js';
import type { Format } from './types.js';

const REFUSALS = ['are not a member of this mailing list', 'duplicated message-id', 'loop alert'];

export const fml: Format = {
  name: 'fml',
  detect: (mail) => (mail.header('x-mlserver') ?? '').toLowerCase().startsWith('fml') && (includesAny(mail.head, REFUSALS) || includesAny(mail.subjectLc, REFUSALS)),
  parse(mail) {
    const skip = senderSide(mail);
    const text = mail.lines.slice(0, 10).join('\n');
    const list = addressesIn(text, 5).filter((a) => !skip.has(a) && !a.includes('-ctl@') && !a.includes('-admin@'));
    // A non-member's post refused is a refusal of the sender; a loop is the list system's own trouble.
    const loop = includesAny(mail.head, ['duplicated message-id']) || mail.subjectLc.includes('loop alert');
    return resultOf(list.slice(0, 1).map((a) => recipient(a, `${mail.subject}\n${text}`, { reason: loop ? 'systemerror' : 'rejected' })));
  },
};
