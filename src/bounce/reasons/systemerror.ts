// A fault on the receiving system (RFC 3463 X.3.0, X.3.3, X.3.5, X.1.9, X.4.3 directory server
// failure, X.5.4/X.5.5). Phrases: Postfix "queue file write error", "mail system configuration
// error", Sendmail "Local configuration error", RFC 5321 451 "local error in processing", qmail-ldap
// "Unable to contact LDAP server", mail loops reported by Postfix and Sendmail ("loops back to myself").
import type { ReasonRule } from './types.js';

export const systemerror: ReasonRule = {
  reason: 'systemerror',
  category: 'soft',
  statuses: ['3.0', '3.3', '3.5', '1.9', '4.3', '5.4', '5.5'],
  replyCodes: ['451'],
  phrases: [
    'system error',
    'internal error',
    'internal server error',
    'local error in processing',
    'local configuration error',
    'mail system configuration error',
    'server configuration error',
    'system config error',
    'system incorrectly configured',
    'queue file write error',
    'temporary local problem',
    'temporary system problem',
    'temporary server error',
    'service currently unavailable',
    'loops back to myself',
    'mail loop',
    'it would create a mail loop',
    'aliasing/forwarding loop',
    'interrupted system call',
    'can\'t create user output file',
    'timeout waiting for input',
    'unable to contact ldap server',
    'directory server failure',
    'message failed to be replicated',
    'mailing list expansion problem',
    'server busy',
    'could not load drd',
  ],
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:505)\b/],
};
