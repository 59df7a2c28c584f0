// The sending host has no (matching) reverse DNS (RFC 7372 X.7.25). Phrases: Postfix
// reject_unknown_client_hostname "Client host rejected: cannot find your (reverse) hostname", Gmail
// "does not have a PTR record", Microsoft "must have a reverse DNS record".
import type { ReasonRule } from './types.js';

export const requireptr: ReasonRule = {
  reason: 'requireptr',
  category: 'blocked',
  decisive: ['7.25'],
  phrases: [
    'ptr record',
    'ptr resource record',
    'ptr-record',
    'reverse dns',
    'rdns',
    'cannot find your hostname',
    'cannot find your reverse hostname',
    'cannot resolve your address',
    'ip name lookup failed',
    'reverse lookup',
    'unresolvable relay host name',
    'unverifiable sending ip',
    'unverifyable sending ip',
  ],
};
