// A local policy refused the message (not a blocklist, not authentication): Gmail 5.7.0 "content
// presents a potential security issue" and "illegal attachment", Yahoo "not accepted for policy
// reasons", Apple "Message rejected due to local policy", Exchange mail-flow (transport) rules
// (5.7.900-999), closed mailing lists.
import type { ReasonRule } from './types.js';

export const policyviolation: ReasonRule = {
  reason: 'policyviolation',
  category: 'blocked',
  phrases: [
    'policy violation',
    'protocol violation',
    'violates our policy',
    'local policy',
    'denied by policy',
    'for policy reasons',
    'by organization policy',
    'organizational settings',
    'potential security issue',
    'illegal attachment',
    'you\'re using a mass mailer',
    'closed mailing list',
    'members-only list',
    'header error',
    'security policies',
    'prohibited attachment',
    'attachment is not allowed',
  ],
  patterns: [/\bpolic(y|ies)\b/],
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:630)\b/],
};
