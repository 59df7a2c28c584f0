// The receiving server refused the envelope sender (RFC 3463 X.1.7 / X.1.8 bad sender address,
// X.7.27 sender has a null MX). Phrases: Postfix "Sender address rejected", Exim "sender verify
// failed", qmail "sender was rejected", Orange 403/405/415 "Emetteur invalide", mailing lists that
// refuse non-members.
import type { ReasonRule } from './types.js';

export const rejected: ReasonRule = {
  reason: 'rejected',
  category: 'blocked',
  decisive: ['1.7', '1.8'],
  phrases: [
    'sender address rejected',
    'sender rejected',
    'sender was rejected',
    'sender denied',
    'sender is rejected',
    'invalid sender',
    'sender verify failed',
    'sender verification failed',
    'domain of sender address',
    'sender domain',
    'unroutable sender address',
    'empty envelope senders not allowed',
    'null sender is not allowed',
    'bogus mail from',
    'returned mail not accepted here',
    'mail from not owned by user',
    'emetteur invalide',
    'sender address has been blacklisted',
    'your email address has been blacklisted',
    'sender is in my black list',
    'sender not pre-approved',
    'not a registered gateway user',
    'not allowed to post to this',
    'you are not a member',
    'not a member of this',
    'sender not in allowed-senders list',
    'sender not authenticated for group',
    'batv',
    // Microsoft 5.1.8: the sending account was blocked for sending spam.
    'bad outbound sender',
    // Microsoft 5.7.501-503: "Access denied, spam abuse detected" (the sending account).
    'spam abuse detected',
    // Yahoo: "Message temporarily deferred due to unresolvable RFC.5321 from domain".
    'unresolvable rfc.5321',
    'purported responsible address',
    'permission to post messages to the group',
    // Gmail refusing a "Send mail as" alias it cannot verify.
    'sending this from a different address or alias',
    'sender address has null mx',
  ],
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:403|405|415|421)\b/],
};
