// Scoring a bounce event (spec section 3). Pure: (state, event, date, settings) -> new state and what happened.
import { addDays, type IsoDate } from '../dates.js';
import type { PolicySettings } from './settings.js';
import type { MemberState } from './state.js';

export type EventKind = 'bounce' | 'delay' | 'complaint' | 'autoreply';
export type BounceCategory = 'hard' | 'soft' | 'blocked';

export const WEIGHT = { hard: 1, soft: 0.5 } as const;

/**
 * The weight of an event. Only bounces weigh; a bounce without a category is a failure whose reason could
 * not be determined, which the spec counts as hard.
 */
export function eventWeight(
  kind: EventKind,
  category: BounceCategory | null,
  settings: Pick<PolicySettings, 'blockedWeight'>,
): number {
  if (kind !== 'bounce') return 0;
  if (category === 'soft') return WEIGHT.soft;
  if (category === 'blocked') return settings.blockedWeight;
  return WEIGHT.hard;
}

/**
 * What an event did to the score:
 * - `scored`: added its weight (first bounce of the day);
 * - `stale_reset`: the old score was stale, the score restarted at this weight;
 * - `raised`: a larger weight than today's increment lifted it (soft then hard the same day);
 * - `same_day`: today's increment was already at least this large;
 * - `not_enabled`: the member is not enabled (disabled, removed, ...);
 * - `zero_weight`: delay, autoreply, blocked with weight 0, complaint;
 * - `not_processed`: the list does not process bounces.
 */
export type ScoreEffect = 'scored' | 'stale_reset' | 'raised' | 'same_day' | 'not_enabled' | 'zero_weight' | 'not_processed';

export interface ScoreResult {
  state: MemberState;
  effect: ScoreEffect;
  /** True when the score (or today's increment) changed. */
  changed: boolean;
}

export function isStale(lastBounceDate: IsoDate, date: IsoDate, staleAfterDays: number): boolean {
  return addDays(lastBounceDate, staleAfterDays) < date;
}

/** Applies one event of weight w on date d to a member's state. */
export function applyBounce(
  s: MemberState,
  weight: number,
  date: IsoDate,
  settings: Pick<PolicySettings, 'staleAfterDays' | 'processBounces'>,
): ScoreResult {
  if (!settings.processBounces) return { state: s, effect: 'not_processed', changed: false };
  if (!(weight > 0)) return { state: s, effect: 'zero_weight', changed: false };
  if (s.status !== 'enabled') return { state: s, effect: 'not_enabled', changed: false };
  if (s.lastBounceDate !== null && isStale(s.lastBounceDate, date, settings.staleAfterDays)) {
    return {
      state: { ...s, score: weight, lastBounceDate: date, lastBounceIncrement: weight },
      effect: 'stale_reset',
      changed: true,
    };
  }
  if (s.lastBounceDate === date) {
    if (weight <= s.lastBounceIncrement) return { state: s, effect: 'same_day', changed: false };
    return {
      state: { ...s, score: s.score + (weight - s.lastBounceIncrement), lastBounceIncrement: weight },
      effect: 'raised',
      changed: true,
    };
  }
  return {
    state: { ...s, score: s.score + weight, lastBounceDate: date, lastBounceIncrement: weight },
    effect: 'scored',
    changed: true,
  };
}

/**
 * A whole day's events for one member at once: the day's increment is the largest weight, so the result
 * does not depend on their order. Equal to applying them one by one in any order.
 */
export function applyDay(
  s: MemberState,
  weights: readonly number[],
  date: IsoDate,
  settings: Pick<PolicySettings, 'staleAfterDays' | 'processBounces'>,
): MemberState {
  const max = weights.reduce((m, w) => (w > m ? w : m), 0);
  return applyBounce(s, max, date, settings).state;
}
