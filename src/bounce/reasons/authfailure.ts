// SPF, DKIM or DMARC checks failed (RFC 7372 X.7.20-X.7.24, X.7.26; RFC 8617 ARC X.7.29).
// Phrases: Gmail "Unauthenticated email … is not accepted due to domain's DMARC policy", Microsoft
// 5.7.509 "does not pass DMARC verification", 5.7.515 "doesn't meet the required authentication level".
import type { ReasonRule } from './types.js';

export const authfailure: ReasonRule = {
  reason: 'authfailure',
  category: 'blocked',
  decisive: ['7.20', '7.21', '7.22', '7.23', '7.24', '7.26', '7.29', '7.509', '7.515'],
  phrases: [
    'sender policy framework',
    'dmarc',
    'fails to pass authentication checks',
    'does not have authentication information',
    'required authentication level',
    'authentication requirements defined for the sender',
    'unauthenticated email',
  ],
  patterns: [/\b(spf|dkim)\b/],
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:401|517)\b/],
};
