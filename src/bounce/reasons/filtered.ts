// The recipient's own rules refused the message after reading it (RFC 3463 X.2.0 / X.2.1 / X.2.4
// status family; an unknown-user refusal that came after DATA: reasons/index.ts). Phrases: AOL "the
// recipient is only accepting mail from specific email addresses", Facebook "refused due to recipient
// preferences", Willcom/AT&T personal filters.
import type { ReasonRule } from './types.js';

export const filtered: ReasonRule = {
  reason: 'filtered',
  category: 'soft',
  statuses: ['2.0', '2.1', '2.4', '1.4'],
  phrases: [
    'message filtered',
    'rejected due to user rules',
    'user refuses to receive',
    'user reject',
    'refused due to recipient preferences',
    'recipient is only accepting mail from specific',
    'is not accepting any mail',
    'has restricted sms e-mail',
    'recipient id refuse to receive mail',
    'you have been blocked by the recipient',
    'account is protected by',
    'content filter agent quarantined',
    // QQ Mail: the recipient's own blacklist or filter.
    'mail is rejected by recipients',
  ],
};
