// The receiving side wants authentication or another security feature (RFC 3463 X.7.x security
// statuses; SMTP AUTH replies of RFC 4954: 530 "authentication required", 535 credentials invalid).
import type { ReasonRule } from './types.js';

export const securityerror: ReasonRule = {
  reason: 'securityerror',
  category: 'blocked',
  statuses: ['7.0', '5.7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '7.7', '7.8', '7.9', '7.11', '7.12', '7.14', '7.15', '7.19'],
  replyCodes: ['530', '535'],
  phrases: [
    'authentication required',
    'smtp authentication',
    'authentication is required',
    'must authenticate',
    'authentication failed',
    'authentication failure',
    'authentication credentials invalid',
    'unauthenticated senders not allowed',
    'client was not authenticated',
    'sender was not authenticated',
    'not authorized to send',
    'insecure mail relay',
    'authentification requise',
    'authentification invalide',
    'username and password not accepted',
    'application-specific password required',
  ],
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:305|402)\b/],
};
