// Google Groups, answering for a group address: "the group you tried to contact (name) may not exist,
// or you may not have permission to post messages to the group" (in the sender's language). The
// failed address is in X-Failed-Recipients. Google's text never says which of the two it is; both are
// the group refusing the sender, so the notice counts as a refusal of the sender (`rejected`).

import { failedRecipientsHeader, includesAny, recipient, resultOf } from './kit.js';
import type { Format } from './types.js';

const SIGNATURE = ['groups.google.com/support', 'google groups', 'googlegroups.com'];

export const googlegroups: Format = {
  name: 'googlegroups',
  detect: (mail) => mail.fromLc.includes('googlemail.com') && includesAny(mail.lc, SIGNATURE) && mail.headers('x-failed-recipients').length > 0,
  parse(mail) {
    const text = mail.text.slice(0, 1500);
    return resultOf(failedRecipientsHeader(mail).map((a) => recipient(a, text, { reason: 'rejected' })));
  },
};
