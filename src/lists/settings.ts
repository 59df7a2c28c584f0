// A list's bounce settings (spec section 6): validated with a clear message per field, saved with an audit
// entry holding the values before and after. The service desk's page calls these.
import type { Kysely, Transaction } from 'kysely';
import { audit, type Actor } from '../audit.js';
import type { Database } from '../db/schema.js';
import { POLICY_COLUMNS, type PolicyColumns } from '../policy/settings.js';

/** The settings as stored (the columns of `lists`). */
export type ListSettings = PolicyColumns;
export type SettingsField = keyof ListSettings;

export const SETTINGS_FIELDS: readonly SettingsField[] = POLICY_COLUMNS;

export type SettingsInput = { [K in SettingsField]?: unknown };

export type ValidationResult =
  | { ok: true; settings: ListSettings }
  | { ok: false; errors: Partial<Record<SettingsField, string>> };

const INT_RANGES = {
  stale_after_days: { min: 1, max: 365, what: 'Stale after' },
  warnings: { min: 0, max: 52, what: 'Warnings' },
  warning_interval_days: { min: 1, max: 365, what: 'Warning interval' },
} as const;

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim().replace(',', '.'));
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function toBool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (/^(on|true|1|yes)$/i.test(v.trim())) return true;
    if (/^(off|false|0|no)$/i.test(v.trim())) return false;
  }
  return null;
}

/** Checks every field (all are required); numbers may come as typed in a form. */
export function validateListSettings(input: SettingsInput): ValidationResult {
  const errors: Partial<Record<SettingsField, string>> = {};
  const t = toNumber(input.threshold);
  if (t === null) errors.threshold = 'Threshold must be a number, for example 5.';
  else if (t <= 0) errors.threshold = 'Threshold must be greater than 0.';
  else if (t > 1000) errors.threshold = 'Threshold must be at most 1000.';
  else if (Math.abs(Math.round(t * 100) - t * 100) > 1e-9) errors.threshold = 'Threshold can have at most 2 decimals.';

  const ints: Partial<Record<keyof typeof INT_RANGES, number>> = {};
  for (const [field, r] of Object.entries(INT_RANGES) as Array<[keyof typeof INT_RANGES, (typeof INT_RANGES)[keyof typeof INT_RANGES]]>) {
    const n = toNumber(input[field]);
    if (n === null || !Number.isInteger(n)) errors[field] = `${r.what} must be a whole number.`;
    else if (n < r.min || n > r.max) {
      errors[field] =
        field === 'warnings'
          ? `Warnings must be between 0 and 52 (0 removes the member at the first run after disabling).`
          : `${r.what} must be between ${r.min} and ${r.max} days.`;
    } else ints[field] = n;
  }

  const bw = toNumber(input.blocked_weight);
  if (bw !== 0 && bw !== 0.5) errors.blocked_weight = 'Blocked weight must be 0 (not counted) or 0.5 (counted as soft).';

  const bools: Partial<Record<SettingsField, boolean>> = {};
  for (const f of ['notify_owner_on_disable', 'notify_owner_on_removal', 'unsubscribe_on_complaint', 'process_bounces'] as const) {
    const b = toBool(input[f]);
    if (b === null) errors[f] = 'Must be on or off.';
    else bools[f] = b;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      threshold: Math.round(t! * 100) / 100,
      stale_after_days: ints.stale_after_days!,
      warnings: ints.warnings!,
      warning_interval_days: ints.warning_interval_days!,
      blocked_weight: bw as number,
      notify_owner_on_disable: bools.notify_owner_on_disable!,
      notify_owner_on_removal: bools.notify_owner_on_removal!,
      unsubscribe_on_complaint: bools.unsubscribe_on_complaint!,
      process_bounces: bools.process_bounces!,
    },
  };
}

export type UpdateResult =
  | { ok: true; changed: Partial<Record<SettingsField, { before: unknown; after: unknown }>>; before: ListSettings; after: ListSettings }
  | { ok: false; error: 'list_not_found' }
  | { ok: false; error: 'invalid'; errors: Partial<Record<SettingsField, string>> };

type Db = Kysely<Database> | Transaction<Database>;

/** Saves validated settings (checked again here), audited with before/after. Takes effect at the next job run. */
export async function updateListSettings(db: Db, actor: Actor, listId: number, settings: ListSettings): Promise<UpdateResult> {
  const checked = validateListSettings(settings);
  if (!checked.ok) return { ok: false, error: 'invalid', errors: checked.errors };
  const next = checked.settings;
  const run = async (trx: Transaction<Database>): Promise<UpdateResult> => {
    const row = await trx.selectFrom('lists').select(['id', ...SETTINGS_FIELDS]).where('id', '=', listId).forUpdate().executeTakeFirst();
    if (!row) return { ok: false, error: 'list_not_found' };
    const before: ListSettings = {
      threshold: Number(row.threshold),
      stale_after_days: row.stale_after_days,
      warnings: row.warnings,
      warning_interval_days: row.warning_interval_days,
      blocked_weight: Number(row.blocked_weight),
      notify_owner_on_disable: row.notify_owner_on_disable,
      notify_owner_on_removal: row.notify_owner_on_removal,
      unsubscribe_on_complaint: row.unsubscribe_on_complaint,
      process_bounces: row.process_bounces,
    };
    const changed: Partial<Record<SettingsField, { before: unknown; after: unknown }>> = {};
    for (const f of SETTINGS_FIELDS) if (before[f] !== next[f]) changed[f] = { before: before[f], after: next[f] };
    if (Object.keys(changed).length === 0) return { ok: true, changed, before, after: before };
    await trx.updateTable('lists').set({ ...next, updated_at: new Date() }).where('id', '=', listId).execute();
    const pick = (s: ListSettings) => Object.fromEntries(Object.keys(changed).map((k) => [k, s[k as SettingsField]]));
    await audit(trx, actor, { action: 'list.settings_updated', listId, details: { before: pick(before), after: pick(next) } });
    return { ok: true, changed, before, after: next };
  };
  return db.isTransaction ? run(db as Transaction<Database>) : db.transaction().execute(run);
}
