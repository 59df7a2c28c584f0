import { describe, expect, it } from 'vitest';
import { addDays } from '../../../src/dates.js';
import { decide, DEFAULT_POLICY, NEW_MEMBER, reenable, resetScore, resubscribe, unsubscribe, type MemberState } from '../../../src/policy/index.js';

const D0 = '2026-01-05';
const day = (n: number) => addDays(D0, n);

describe("the job's decision for a member (spec section 4)", () => {
  it('disables at the threshold and sends the first notice at once, telling the owners', () => {
    const d = decide({ ...NEW_MEMBER, score: 5 }, day(4), DEFAULT_POLICY);
    expect(d.action).toBe('disable');
    expect(d.memberNotice).toBe('disabled');
    expect(d.ownerNotices).toEqual(['owner_disabled']);
    expect(d.state).toMatchObject({ status: 'disabled_by_bounce', warningsLeft: 2, warningsSent: 1, lastWarningDate: day(4), disabledOn: day(4) });
  });

  it('does nothing below the threshold', () => {
    expect(decide({ ...NEW_MEMBER, score: 4.5 }, day(4), DEFAULT_POLICY).action).toBe('none');
  });

  it('warns every interval, then removes: D, D+7, D+14, removal D+21', () => {
    let s: MemberState = { ...NEW_MEMBER, score: 5 };
    const log: string[] = [];
    for (let n = 0; n < 40; n++) {
      const d = decide(s, day(n), DEFAULT_POLICY);
      s = d.state;
      if (d.memberNotice) log.push(`${n}:${d.memberNotice}`);
    }
    expect(log).toEqual(['0:disabled', '7:warning', '14:warning', '21:removed']);
    expect(s).toMatchObject({ status: 'removed', warningsSent: 4 });
  });

  it('with warnings = 0 removes in the same run that disables', () => {
    const d = decide({ ...NEW_MEMBER, score: 5 }, day(0), { ...DEFAULT_POLICY, warnings: 0 });
    expect(d.action).toBe('disable_and_remove');
    expect(d.memberNotice).toBe('removed');
    expect(d.ownerNotices).toEqual(['owner_disabled', 'owner_removed']);
  });

  it('after downtime sends one notice and continues from the date it was actually sent', () => {
    let s = decide({ ...NEW_MEMBER, score: 5 }, day(0), DEFAULT_POLICY).state;
    const late = decide(s, day(20), DEFAULT_POLICY);
    expect(late.memberNotice).toBe('warning');
    s = late.state;
    expect(decide(s, day(20), DEFAULT_POLICY).action).toBe('none');
    expect(decide(s, day(26), DEFAULT_POLICY).action).toBe('none');
    expect(decide(s, day(27), DEFAULT_POLICY).memberNotice).toBe('warning');
  });

  it('respects the owner notification options and process_bounces', () => {
    const quiet = { ...DEFAULT_POLICY, notifyOwnerOnDisable: false, notifyOwnerOnRemoval: false, warnings: 0 };
    expect(decide({ ...NEW_MEMBER, score: 9 }, day(0), quiet).ownerNotices).toEqual([]);
    expect(decide({ ...NEW_MEMBER, score: 9 }, day(0), { ...DEFAULT_POLICY, processBounces: false }).action).toBe('none');
  });
});

describe('getting back in (spec section 5)', () => {
  const disabled: MemberState = { ...NEW_MEMBER, status: 'disabled_by_bounce', score: 5, lastBounceDate: day(4), lastBounceIncrement: 1, warningsLeft: 2, warningsSent: 1, lastWarningDate: day(4), disabledOn: day(4) };

  it('re-enable starts clean, and does nothing on an enabled member', () => {
    expect(reenable(disabled)).toEqual({ changed: true, state: NEW_MEMBER });
    const enabled = { ...NEW_MEMBER, score: 3, lastBounceDate: day(1) };
    expect(reenable(enabled)).toEqual({ changed: false, state: enabled });
  });

  it('reset score keeps the status', () => {
    expect(resetScore(disabled).state).toMatchObject({ status: 'disabled_by_bounce', score: 0, lastBounceDate: null });
    expect(resetScore(NEW_MEMBER).changed).toBe(false);
  });

  it('unsubscribe from enabled or disabled; resubscribe of unsubscribed or removed starts clean', () => {
    expect(unsubscribe(disabled).state.status).toBe('unsubscribed');
    expect(resubscribe(unsubscribe(disabled).state)).toEqual({ changed: true, state: NEW_MEMBER });
    expect(resubscribe({ ...disabled, status: 'removed' }).state).toEqual(NEW_MEMBER);
    expect(resubscribe(disabled).changed).toBe(false);
    expect(unsubscribe({ ...NEW_MEMBER, status: 'removed' }).changed).toBe(false);
  });
});
