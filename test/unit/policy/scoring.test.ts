import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../../src/dates.js';
import {
  applyBounce,
  applyComplaint,
  applyDay,
  DEFAULT_POLICY,
  eventWeight,
  NEW_MEMBER,
  type MemberState,
} from '../../../src/policy/index.js';

const D0 = '2026-01-05';
const day = (n: number) => addDays(D0, n);
const hit = (s: MemberState, w: number, n: number) => applyBounce(s, w, day(n), DEFAULT_POLICY).state;

describe('event weights', () => {
  it('weighs hard 1, soft 0.5, blocked per the list, everything else 0', () => {
    expect(eventWeight('bounce', 'hard', DEFAULT_POLICY)).toBe(1);
    expect(eventWeight('bounce', 'soft', DEFAULT_POLICY)).toBe(0.5);
    expect(eventWeight('bounce', 'blocked', DEFAULT_POLICY)).toBe(0);
    expect(eventWeight('bounce', 'blocked', { blockedWeight: 0.5 })).toBe(0.5);
    expect(eventWeight('bounce', null, DEFAULT_POLICY)).toBe(1);
    for (const k of ['delay', 'autoreply', 'complaint'] as const) expect(eventWeight(k, 'hard', DEFAULT_POLICY)).toBe(0);
  });
});

describe('scoring a member (spec section 3)', () => {
  it('adds the weight of the first bounce of a day', () => {
    const r = applyBounce(NEW_MEMBER, 1, day(0), DEFAULT_POLICY);
    expect(r).toMatchObject({ effect: 'scored', changed: true, state: { score: 1, lastBounceDate: day(0), lastBounceIncrement: 1 } });
  });

  it('forgets a stale score: 8 days after the last bounce the score restarts', () => {
    expect(hit(hit(NEW_MEMBER, 1, 0), 1, 8)).toMatchObject({ score: 1, lastBounceDate: day(8) });
    expect(applyBounce(hit(NEW_MEMBER, 1, 0), 1, day(8), DEFAULT_POLICY).effect).toBe('stale_reset');
  });

  it('is not stale exactly stale_after_days later (0 + 7 < 7 is false)', () => {
    expect(hit(hit(NEW_MEMBER, 1, 0), 1, 7).score).toBe(2);
  });

  it('lifts the day increment from soft to hard but never beyond the largest weight', () => {
    expect(hit(hit(NEW_MEMBER, 0.5, 0), 1, 0).score).toBe(1);
    expect(hit(hit(NEW_MEMBER, 1, 0), 0.5, 0).score).toBe(1);
    expect(hit(hit(NEW_MEMBER, 1, 0), 1, 0).score).toBe(1);
    expect(applyBounce(hit(NEW_MEMBER, 0.5, 0), 1, day(0), DEFAULT_POLICY).effect).toBe('raised');
  });

  it('changes nothing for weight 0, members not enabled, or a list not processing bounces', () => {
    expect(applyBounce(NEW_MEMBER, 0, day(0), DEFAULT_POLICY)).toMatchObject({ effect: 'zero_weight', changed: false });
    const disabled: MemberState = { ...NEW_MEMBER, status: 'disabled_by_bounce', score: 5 };
    expect(applyBounce(disabled, 1, day(0), DEFAULT_POLICY)).toMatchObject({ effect: 'not_enabled', state: disabled });
    expect(applyBounce(NEW_MEMBER, 1, day(0), { ...DEFAULT_POLICY, processBounces: false }).effect).toBe('not_processed');
  });

  it('unsubscribes on a complaint when the list says so', () => {
    expect(applyComplaint(NEW_MEMBER, DEFAULT_POLICY).state.status).toBe('unsubscribed');
    expect(applyComplaint(NEW_MEMBER, { unsubscribeOnComplaint: false }).changed).toBe(false);
    expect(applyComplaint({ ...NEW_MEMBER, status: 'removed' }, DEFAULT_POLICY).changed).toBe(false);
  });

  it("does not depend on the order of a day's events (the day's increment is the largest weight)", () => {
    const weights = fc.array(fc.constantFrom(0, 0.5, 1), { maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), weights), { maxLength: 10 }),
        fc.integer({ min: 1, max: 10 }),
        fc.infiniteStream(fc.integer()),
        (days, stale, rnd) => {
          const settings = { ...DEFAULT_POLICY, staleAfterDays: stale };
          const sorted = [...days].sort((a, b) => a[0] - b[0]);
          let inOrder: MemberState = NEW_MEMBER;
          let shuffled: MemberState = NEW_MEMBER;
          let batched: MemberState = NEW_MEMBER;
          const it = rnd[Symbol.iterator]();
          for (const [d, ws] of sorted) {
            for (const w of ws) inOrder = applyBounce(inOrder, w, day(d), settings).state;
            const perm = [...ws].sort(() => (it.next().value as number) % 3 - 1);
            for (const w of perm) shuffled = applyBounce(shuffled, w, day(d), settings).state;
            batched = applyDay(batched, ws, day(d), settings);
          }
          expect(shuffled).toEqual(inOrder);
          expect(batched).toEqual(inOrder);
        },
      ),
    );
  });
});
