// The message is larger than the receiving system takes (RFC 3463 X.3.4 "message too big for
// system", RFC 6710 X.7.16). Phrases: Postfix "message size exceeds fixed limit", Sendmail "Message is
// too large", Exim "message too big", Gmail "exceeded Google's message size limits", Exchange
// "message size exceeds fixed maximum message size", 1&1 "Mail size limit exceeded", Orange 514.
import type { ReasonRule } from './types.js';

export const mesgtoobig: ReasonRule = {
  reason: 'mesgtoobig',
  category: 'soft',
  decisive: ['3.4', '7.16'],
  phrases: [
    'message too big',
    'message too large',
    'message is too large',
    'message is too big',
    'message size exceeds',
    'message file too big',
    'message length exceeds',
    'size limit',
    'exceeds the maximum message size',
    'exceeded maximum inbound message size',
    'exceeded the maximum incoming message size',
    'message size limits',
    'mail size limit exceeded',
    'taille limite du message atteinte',
    'line limit exceeded',
  ],
  patterns: [/\b(message|mail|email) (is )?(too large|too big|larger than)\b/, /\bexceeds? (the |fixed |our )?(maximum|max) (allowed )?(message |mail )?size\b/],
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:514)\b/],
};
