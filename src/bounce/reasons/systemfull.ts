// The receiving system is out of storage (RFC 3463 X.3.1 "mail system full", X.4.5 congestion;
// RFC 5321 reply 452 "insufficient system storage").
import type { ReasonRule } from './types.js';

export const systemfull: ReasonRule = {
  reason: 'systemfull',
  category: 'soft',
  statuses: ['3.1', '4.4.5'],
  replyCodes: ['452'],
  phrases: [
    'mail system full',
    'insufficient system storage',
    'insufficient system resources',
    'insufficient disk space',
    'not sufficient disk space',
    'no space left on device',
    'disk full',
  ],
};
