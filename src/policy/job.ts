// What the scheduled job does to one member on one run (spec section 4). Pure: (state, today, settings).
import { addDays, type IsoDate } from '../dates.js';
import type { PolicySettings } from './settings.js';
import type { MemberState } from './state.js';

export type MemberNoticeType = 'disabled' | 'warning' | 'removed';
export type JobAction = 'none' | 'disable' | 'warn' | 'remove' | 'disable_and_remove';

export interface JobDecision {
  action: JobAction;
  state: MemberState;
  /** At most one member notice a run (section 4.3). */
  memberNotice: MemberNoticeType | null;
  /** Notices to the owners (list owner address and admins), when the list options say so. */
  ownerNotices: Array<'owner_disabled' | 'owner_removed'>;
}

type JobSettings = Pick<
  PolicySettings,
  'threshold' | 'warnings' | 'warningIntervalDays' | 'notifyOwnerOnDisable' | 'notifyOwnerOnRemoval' | 'processBounces'
>;

/** The date on or before which a notice must have been sent for the next one to be due today. */
export function noticeDueCutoff(today: IsoDate, warningIntervalDays: number): IsoDate {
  return addDays(today, -warningIntervalDays);
}

export function isNotificationDue(s: MemberState, today: IsoDate, warningIntervalDays: number): boolean {
  return (
    s.status === 'disabled_by_bounce' &&
    (s.lastWarningDate === null || s.lastWarningDate <= noticeDueCutoff(today, warningIntervalDays))
  );
}

/** Section 4.1: an enabled member at or over the threshold is disabled (the notification follows at once). */
export function disable(s: MemberState, today: IsoDate, settings: Pick<PolicySettings, 'warnings'>): MemberState {
  return { ...s, status: 'disabled_by_bounce', warningsLeft: settings.warnings, warningsSent: 0, lastWarningDate: null, disabledOn: today };
}

/** "Next notification": remove when no warnings are left, else the next disabled/warning notice. */
export function nextNotification(s: MemberState, today: IsoDate): { state: MemberState; notice: MemberNoticeType } {
  const warningsSent = s.warningsSent + 1;
  if (s.warningsLeft <= 0) {
    return { state: { ...s, status: 'removed', warningsLeft: 0, warningsSent, lastWarningDate: today }, notice: 'removed' };
  }
  return {
    state: { ...s, warningsLeft: s.warningsLeft - 1, warningsSent, lastWarningDate: today },
    notice: s.warningsSent === 0 ? 'disabled' : 'warning',
  };
}

export function decide(s: MemberState, today: IsoDate, settings: JobSettings): JobDecision {
  const none: JobDecision = { action: 'none', state: s, memberNotice: null, ownerNotices: [] };
  if (!settings.processBounces) return none;
  let state = s;
  let disabled = false;
  if (state.status === 'enabled' && state.score >= settings.threshold) {
    state = disable(state, today, settings);
    disabled = true;
  }
  if (!isNotificationDue(state, today, settings.warningIntervalDays)) {
    return disabled
      ? { action: 'disable', state, memberNotice: null, ownerNotices: settings.notifyOwnerOnDisable ? ['owner_disabled'] : [] }
      : none;
  }
  const next = nextNotification(state, today);
  const ownerNotices: JobDecision['ownerNotices'] = [];
  if (disabled && settings.notifyOwnerOnDisable) ownerNotices.push('owner_disabled');
  if (next.notice === 'removed' && settings.notifyOwnerOnRemoval) ownerNotices.push('owner_removed');
  const action: JobAction =
    next.notice === 'removed' ? (disabled ? 'disable_and_remove' : 'remove') : disabled ? 'disable' : 'warn';
  return { action, state: next.state, memberNotice: next.notice, ownerNotices };
}
