// A per-mailbox administrative limit on message length (RFC 3463 X.2.3).
import type { ReasonRule } from './types.js';

export const exceedlimit: ReasonRule = {
  reason: 'exceedlimit',
  category: 'soft',
  decisive: ['2.3'],
  phrases: ['exceeds administrative limit', 'message header size exceeds limit', 'exceeds per-message limit'],
};
