// The server would not relay for the sender (Postfix "Relay access denied", Sendmail "Relaying
// denied", qmail "that domain isn't in my list of allowed rcpthosts", Exchange 5.7.1 "Unable to
// relay", Amazon SES "Email address is not verified").
import type { ReasonRule } from './types.js';

export const norelaying: ReasonRule = {
  reason: 'norelaying',
  category: 'blocked',
  phrases: [
    'relay access denied',
    'relaying denied',
    'relay denied',
    'relay not permitted',
    'relaying not permitted',
    'relay not allowed',
    'relaying not allowed',
    'not permitted to relay',
    'not allowed to relay',
    'unable to relay',
    'no relaying',
    'we do not relay',
    'not an open relay',
    'list of allowed rcpthosts',
    'not configured to relay',
    'as a relay',
    'relaying mail to',
    'we don\'t handle mail for',
    'email address is not verified',
  ],
};
