// A list's bounce-policy settings (spec section 6) as the pure core sees them.

export interface PolicySettings {
  threshold: number;
  staleAfterDays: number;
  warnings: number;
  warningIntervalDays: number;
  blockedWeight: 0 | 0.5;
  notifyOwnerOnDisable: boolean;
  notifyOwnerOnRemoval: boolean;
  unsubscribeOnComplaint: boolean;
  processBounces: boolean;
}

export const DEFAULT_POLICY: Readonly<PolicySettings> = Object.freeze({
  threshold: 5,
  staleAfterDays: 7,
  warnings: 3,
  warningIntervalDays: 7,
  blockedWeight: 0,
  notifyOwnerOnDisable: true,
  notifyOwnerOnRemoval: true,
  unsubscribeOnComplaint: true,
  processBounces: true,
});

/** The columns of `lists` that carry the policy, as Kysely returns them. */
export interface PolicyColumns {
  threshold: number;
  stale_after_days: number;
  warnings: number;
  warning_interval_days: number;
  blocked_weight: number;
  notify_owner_on_disable: boolean;
  notify_owner_on_removal: boolean;
  unsubscribe_on_complaint: boolean;
  process_bounces: boolean;
}

/** The policy columns of `lists`, in the order the service desk shows them. */
export const POLICY_COLUMNS = [
  'threshold',
  'stale_after_days',
  'warnings',
  'warning_interval_days',
  'blocked_weight',
  'notify_owner_on_disable',
  'notify_owner_on_removal',
  'unsubscribe_on_complaint',
  'process_bounces',
] as const satisfies ReadonlyArray<keyof PolicyColumns>;

export function policyFromRow(row: PolicyColumns): PolicySettings {
  return {
    threshold: Number(row.threshold),
    staleAfterDays: row.stale_after_days,
    warnings: row.warnings,
    warningIntervalDays: row.warning_interval_days,
    blockedWeight: Number(row.blocked_weight) === 0.5 ? 0.5 : 0,
    notifyOwnerOnDisable: row.notify_owner_on_disable,
    notifyOwnerOnRemoval: row.notify_owner_on_removal,
    unsubscribeOnComplaint: row.unsubscribe_on_complaint,
    processBounces: row.process_bounces,
  };
}

export function policyToRow(s: PolicySettings): PolicyColumns {
  return {
    threshold: s.threshold,
    stale_after_days: s.staleAfterDays,
    warnings: s.warnings,
    warning_interval_days: s.warningIntervalDays,
    blocked_weight: s.blockedWeight,
    notify_owner_on_disable: s.notifyOwnerOnDisable,
    notify_owner_on_removal: s.notifyOwnerOnRemoval,
    unsubscribe_on_complaint: s.unsubscribeOnComplaint,
    process_bounces: s.processBounces,
  };
}
