// A spam filter judged the message (only possible once the content was sent). Phrases: Gmail
// "likely unsolicited mail", SpamAssassin scores, Yahoo "message filtered … spam", QQ "mail content
// denied", Orange 506 "Mail rejete", RFC 3463 X.7.28 "mail flood".
import type { ReasonRule } from './types.js';

export const spamdetected: ReasonRule = {
  reason: 'spamdetected',
  category: 'blocked',
  statuses: ['7.28'],
  phrases: [
    'unsolicited',
    'spamassassin',
    'spam score',
    'spam-like',
    'bulk mail',
    'bulk email',
    'bulk e-mail',
    'content filter rejection',
    'message content rejected',
    'rejecting mail content',
    'rejecting banned content',
    'mail content denied',
    'unacceptable content',
    'uribl',
    'surbl',
    'spambouncer',
    'mail rejete. mail rejected',
  ],
  patterns: [/\bspam\b/, /\bspams\b/],
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:506)\b/],
};
