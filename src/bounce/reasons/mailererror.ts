// A local delivery program failed (Diagnostic-Code type X-Unix; Postfix/Sendmail "Command died with
// status", "command output:", procmail/maildrop).
import type { ReasonRule } from './types.js';

export const mailererror: ReasonRule = {
  reason: 'mailererror',
  category: 'soft',
  phrases: [
    'x-unix;',
    'command died with status',
    'command failed:',
    'command output:',
    'procmail:',
    'bin/procmail',
    'bin/maildrop',
    'pipe to |',
    'mailer error',
  ],
};
