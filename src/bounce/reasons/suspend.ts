// The account exists but is disabled or suspended (RFC 3463 X.2.1 is the status family; X.7.13 "user
// account disabled", RFC 4954 reply 525). Phrases: Gmail "The email account that you tried to reach
// is disabled / inactive", Yahoo/AOL "This account has been disabled or discontinued", "This mailbox is
// disabled (554.30)", QQ "is a deactivated mailbox", Orange 420 "Boite du destinataire archivee" and
// 426 "Le compte du destinataire est bloque".
import type { ReasonRule } from './types.js';

export const suspend: ReasonRule = {
  reason: 'suspend',
  category: 'soft',
  decisive: ['7.13'],
  replyCodes: ['525'],
  phrases: [
    'account that you tried to reach is disabled',
    'account that you tried to reach is inactive',
    'disabled or discontinued',
    'mailbox is disabled',
    'mailbox disabled',
    'mailbox is inactive',
    'mailbox is frozen',
    'deactivated mailbox',
    'mailbox currently suspended',
    'account has been suspended',
    'account is suspended',
    'account suspended',
    'account has been disabled',
    'account is disabled',
    'account disabled',
    'account is inactive',
    'inactive account',
    'account is locked',
    'account has been locked',
    'user suspended',
    'is currently suspended',
    'has been suspended',
    'temporarily inactive',
    'user is terminated',
    'is no longer valid',
    'archived recipient',
    'destinataire archivee',
    'compte du destinataire est bloque',
    'recipient account isblocked',
    'recipient account is blocked',
  ],
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:420|426)\b/],
};
