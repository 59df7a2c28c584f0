// A member's bounce state (spec section 3) and the pure changes made to it from outside the job (section 5).
import type { IsoDate } from '../dates.js';

export type PolicyStatus = 'pending' | 'enabled' | 'disabled_by_bounce' | 'removed' | 'unsubscribed';

export interface MemberState {
  status: PolicyStatus;
  score: number;
  lastBounceDate: IsoDate | null;
  /** The largest weight already added on lastBounceDate. */
  lastBounceIncrement: number;
  warningsLeft: number;
  lastWarningDate: IsoDate | null;
  /** Notices sent since the last disable (the disable notice is the first). */
  warningsSent: number;
  disabledOn: IsoDate | null;
}

export const NEW_MEMBER: Readonly<MemberState> = Object.freeze({
  status: 'enabled',
  score: 0,
  lastBounceDate: null,
  lastBounceIncrement: 0,
  warningsLeft: 0,
  lastWarningDate: null,
  warningsSent: 0,
  disabledOn: null,
});

export interface Change {
  changed: boolean;
  state: MemberState;
}

const clean = (status: PolicyStatus): MemberState => ({ ...NEW_MEMBER, status });

function sameState(a: MemberState, b: MemberState): boolean {
  return (
    a.status === b.status &&
    a.score === b.score &&
    a.lastBounceDate === b.lastBounceDate &&
    a.lastBounceIncrement === b.lastBounceIncrement &&
    a.warningsLeft === b.warningsLeft &&
    a.lastWarningDate === b.lastWarningDate &&
    a.warningsSent === b.warningsSent &&
    a.disabledOn === b.disabledOn
  );
}

function change(before: MemberState, after: MemberState): Change {
  return sameState(before, after) ? { changed: false, state: before } : { changed: true, state: after };
}

/** Re-enable of a member disabled by bounces: enabled, score 0, bounce date and warnings forgotten. */
export function reenable(s: MemberState): Change {
  if (s.status !== 'disabled_by_bounce') return { changed: false, state: s };
  return change(s, clean('enabled'));
}

/** Admin "reset score": score 0, bounce date forgotten, status unchanged. */
export function resetScore(s: MemberState): Change {
  return change(s, { ...s, score: 0, lastBounceDate: null, lastBounceIncrement: 0 });
}

/** Unsubscribe from enabled, disabled (or a pending subscription). */
export function unsubscribe(s: MemberState): Change {
  if (s.status === 'unsubscribed' || s.status === 'removed') return { changed: false, state: s };
  return change(s, { ...s, status: 'unsubscribed' });
}

/** Resubscribe after a confirmed double opt-in, of an unsubscribed or removed member: starts clean. */
export function resubscribe(s: MemberState): Change {
  if (s.status !== 'unsubscribed' && s.status !== 'removed' && s.status !== 'pending') {
    return { changed: false, state: s };
  }
  return change(s, clean('enabled'));
}

/** An admin removes the member from the list (kept as history; may resubscribe later). */
export function remove(s: MemberState): Change {
  if (s.status === 'removed') return { changed: false, state: s };
  return change(s, { ...s, status: 'removed' });
}

/** The member columns that hold the bounce state, as Kysely returns them. */
export interface MemberStateColumns {
  status: PolicyStatus;
  score: number;
  last_bounce_date: IsoDate | null;
  last_bounce_increment: number;
  warnings_left: number;
  last_warning_date: IsoDate | null;
  warnings_sent: number;
  disabled_on: IsoDate | null;
}

export function stateFromRow(r: MemberStateColumns): MemberState {
  return {
    status: r.status,
    score: Number(r.score),
    lastBounceDate: r.last_bounce_date,
    lastBounceIncrement: Number(r.last_bounce_increment),
    warningsLeft: r.warnings_left,
    lastWarningDate: r.last_warning_date,
    warningsSent: r.warnings_sent,
    disabledOn: r.disabled_on,
  };
}

export function stateToRow(s: MemberState): MemberStateColumns {
  return {
    status: s.status,
    score: s.score,
    last_bounce_date: s.lastBounceDate,
    last_bounce_increment: s.lastBounceIncrement,
    warnings_left: s.warningsLeft,
    last_warning_date: s.lastWarningDate,
    warnings_sent: s.warningsSent,
    disabled_on: s.disabledOn,
  };
}
