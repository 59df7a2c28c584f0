// A diagnostic is there but names no known reason (Sisimai's "onhold"). Hard, as any undetermined failure.
import type { ReasonRule } from './types.js';

export const onhold: ReasonRule = { reason: 'onhold', category: 'hard' };
