// Too many connections or recipients at once (RFC 3463 X.5.3 "too many recipients"; Sendmail "Too
// many SMTP sessions for this host", QQ "frequency limited", Orange 104 "Trop de connexions").
import type { ReasonRule } from './types.js';

export const toomanyconn: ReasonRule = {
  reason: 'toomanyconn',
  category: 'blocked',
  statuses: ['5.3'],
  phrases: [
    'too many connections',
    'too many concurrent',
    'too many smtp sessions',
    'too many sessions',
    'too many recipients',
    'connection rate limit',
    'connection limit',
    'maximum number of connections',
    'max message per connection',
    'frequency limited',
    'trop de connexions',
    'too many errors from your ip',
  ],
  // Orange and La Poste error codes ("OFR004_405", "LPN007_416"), published on postmaster.orange.fr.
  exact: [/\b(?:ofr|lpn|lpnaaa|ouk)\d{0,3}_(?:104)\b/],
};
