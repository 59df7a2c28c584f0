// The mailbox existed but has moved with no forwarding (RFC 3463 X.1.6; RFC 6710 X.7.17 "mailbox
// owner has changed", RFC 7293 X.7.18). Apple iCloud's 5.1.6 text "recipient no longer on server".
import type { ReasonRule } from './types.js';

export const hasmoved: ReasonRule = {
  reason: 'hasmoved',
  category: 'hard',
  decisive: ['1.6', '7.17', '7.18'],
  phrases: ['has been replaced by', 'recipient no longer on server', 'mailbox has moved', 'user has moved', 'address has moved'],
};
