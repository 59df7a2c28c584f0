// The mailbox is over its quota (RFC 3463 X.2.2; RFC 5321 reply 552 "exceeded storage
// allocation"). Phrases: Postfix/Dovecot/Exim "mailbox full", "quota exceeded", qmail "over quota",
// Gmail "inbox is out of storage space", iCloud "user is over quota", Orange 417 "boite du
// destinataire pleine".
import type { ReasonRule } from './types.js';

export const mailboxfull: ReasonRule = {
  reason: 'mailboxfull',
  category: 'soft',
  decisive: ['2.2'],
  replyCodes: ['552'],
  phrases: [
    'mailbox full',
    'mailbox is full',
    'mailbox is over quota',
    'mailfolder is full',
    'inbox is full',
    'over quota',
    'overquota',
    'out of storage space',
    'exceeded storage allocation',
    'mailbox size limit exceeded',
    'mailbox exceeds allowed size',
    'mailbox would exceed',
    'exceeded its storage quota',
    'boite du destinataire pleine',
    'postfach voll',
    'too much mail data',
    'user has too many messages',
  ],
  patterns: [
    /\b(mail ?box|maildir|disk|storage|user|account|inbox) (size )?quota\b/,
    /(?<!sending |relay |daily |recipient )quota (exceeded|violation|full|reached)\b/,
    /\b(exceeded|exceeds|over) (the |their |his |her |its )?(mail ?box |disk |storage )?quota\b/,
  ],
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:417)\b/],
};
