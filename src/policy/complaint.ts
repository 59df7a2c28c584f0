// A complaint (feedback-loop report) unsubscribes the member when the list says so (spec section 1).
import type { PolicySettings } from './settings.js';
import type { Change, MemberState } from './state.js';

export function applyComplaint(s: MemberState, settings: Pick<PolicySettings, 'unsubscribeOnComplaint'>): Change {
  if (!settings.unsubscribeOnComplaint) return { changed: false, state: s };
  if (s.status !== 'enabled' && s.status !== 'disabled_by_bounce' && s.status !== 'pending') {
    return { changed: false, state: s };
  }
  return { changed: true, state: { ...s, status: 'unsubscribed' } };
}
