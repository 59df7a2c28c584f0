// The sending service did not try: the address is on its suppression list (Amazon SES
// "OnAccountSuppressionList", SendGrid/Mailgun suppressions).
import type { ReasonRule } from './types.js';

export const suppressed: ReasonRule = {
  reason: 'suppressed',
  category: 'hard',
  phrases: ['suppression list', 'suppressionlist', 'address is suppressed', 'recipient is suppressed'],
};
