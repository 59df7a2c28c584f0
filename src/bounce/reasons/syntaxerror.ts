// The SMTP dialogue went wrong (RFC 3463 X.5.2 syntax error; RFC 5321 replies 500-504: syntax error,
// parameters, not implemented, bad sequence).
import type { ReasonRule } from './types.js';

export const syntaxerror: ReasonRule = {
  reason: 'syntaxerror',
  category: 'blocked',
  statuses: ['5.2', '5.6'],
  replyCodes: ['500', '501', '502', '503', '504'],
  phrases: [
    'syntax error',
    'bad sequence of commands',
    'command not recognized',
    'unrecognized command',
    'command unrecognized',
    'command not implemented',
    'unimplemented command',
  ],
};
