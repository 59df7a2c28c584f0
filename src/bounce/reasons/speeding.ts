// The sender sent too much too fast (Gmail "receiving mail too quickly", "daily sending quota
// exceeded"; Apple "deferred due to excessive volume"; Microsoft 5.2.121/5.2.122 receive limits;
// Yahoo "user is receiving mail too quickly").
import type { ReasonRule } from './types.js';

export const speeding: ReasonRule = {
  reason: 'speeding',
  category: 'blocked',
  phrases: [
    'receiving mail too quickly',
    'receiving mail at a rate',
    'rate limited',
    'rate limit',
    'rate-limit',
    'throttl',
    'sending too fast',
    'please try again slower',
    'excessive volume',
    'sending quota exceeded',
    'sending limit exceeded',
    'relay limit exceeded',
    'relay quota',
    'max emails per hour',
    'message receive limit',
    'exceeded permitted limits',
    'exceeded their limit for',
    // QQ Mail: the recipient receives too much in a short time; "Sender frequency limited" (no=1000723).
    'mailbox unavailable or access denied',
    'sender frequency limited',
    // Mail.ru: "Too many messages from IP …, try later".
    'too many messages from',
  ],
};
