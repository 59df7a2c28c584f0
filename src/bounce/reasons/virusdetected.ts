// A virus scanner refused the message (only possible once the content was sent).
import type { ReasonRule } from './types.js';

export const virusdetected: ReasonRule = {
  reason: 'virusdetected',
  category: 'blocked',
  phrases: ['virus', 'malware', 'infected', 'potentially executable attachment', 'used by recent viruses'],
};
