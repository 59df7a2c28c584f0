// Nothing in the notice says why. The specification makes an undetermined failure hard.
import type { ReasonRule } from './types.js';

export const undefinedReason: ReasonRule = { reason: 'undefined', category: 'hard' };
