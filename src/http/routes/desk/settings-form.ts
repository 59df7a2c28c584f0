// The bounce-settings form as the browser sends it: numbers as typed (so a refused value is shown back as
// typed), switches as booleans. Validation itself is lists/settings.ts's.
import type { ListSettingsRow } from './queries.js';

export interface SettingsForm {
  threshold: string;
  stale_after_days: string;
  warnings: string;
  warning_interval_days: string;
  blocked_weight: string;
  notify_owner_on_disable: boolean;
  notify_owner_on_removal: boolean;
  unsubscribe_on_complaint: boolean;
  process_bounces: boolean;
}

const NUMBER_FIELDS = ['threshold', 'stale_after_days', 'warnings', 'warning_interval_days', 'blocked_weight'] as const;
const SWITCHES = ['notify_owner_on_disable', 'notify_owner_on_removal', 'unsubscribe_on_complaint', 'process_bounces'] as const;

export const FIELD_LABELS: Record<string, string> = {
  threshold: 'Threshold',
  stale_after_days: 'Stale after (days)',
  warnings: 'Warnings',
  warning_interval_days: 'Warning interval (days)',
  blocked_weight: 'Blocked weight',
  notify_owner_on_disable: 'Notify owner on disable',
  notify_owner_on_removal: 'Notify owner on removal',
  unsubscribe_on_complaint: 'Unsubscribe on complaint',
  process_bounces: 'Process bounces',
};

export function formFromRow(row: ListSettingsRow): SettingsForm {
  return {
    threshold: String(Number(row.threshold)),
    stale_after_days: String(row.stale_after_days),
    warnings: String(row.warnings),
    warning_interval_days: String(row.warning_interval_days),
    blocked_weight: Number(row.blocked_weight) === 0.5 ? '0.5' : '0',
    notify_owner_on_disable: row.notify_owner_on_disable,
    notify_owner_on_removal: row.notify_owner_on_removal,
    unsubscribe_on_complaint: row.unsubscribe_on_complaint,
    process_bounces: row.process_bounces,
  };
}

/**
 * An unchecked checkbox sends nothing, so the form carries `switches=1`: with it, a missing switch is off;
 * without it (a hand-made request naming only some fields), missing fields keep the list's current value.
 */
export function formFromBody(body: Record<string, unknown>, current: ListSettingsRow): SettingsForm {
  const out = formFromRow(current);
  for (const f of NUMBER_FIELDS) {
    const v = body[f];
    if (typeof v === 'string') out[f] = v.trim().slice(0, 40);
  }
  const withSwitches = body.switches !== undefined;
  for (const f of SWITCHES) {
    const v = body[f];
    if (v !== undefined) out[f] = v === 'on' || v === 'true' || v === '1' || v === true;
    else if (withSwitches) out[f] = false;
  }
  return out;
}

/** Identifies the exact values previewed, so "Save" only saves what the desk has seen previewed. */
export function fingerprint(form: SettingsForm): string {
  const norm = (s: string) => {
    const n = Number(s);
    return Number.isFinite(n) ? String(n) : s;
  };
  return [
    ...NUMBER_FIELDS.map((f) => norm(form[f])),
    ...SWITCHES.map((f) => (form[f] ? '1' : '0')),
  ].join('|');
}

export function settingsChanges(from: SettingsForm, to: SettingsForm): { label: string; from: string; to: string }[] {
  const out: { label: string; from: string; to: string }[] = [];
  for (const f of NUMBER_FIELDS) {
    if (Number(from[f]) !== Number(to[f])) out.push({ label: FIELD_LABELS[f], from: from[f], to: to[f] });
  }
  for (const f of SWITCHES) {
    if (from[f] !== to[f]) out.push({ label: FIELD_LABELS[f], from: from[f] ? 'on' : 'off', to: to[f] ? 'on' : 'off' });
  }
  return out;
}
