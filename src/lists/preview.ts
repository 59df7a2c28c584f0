// The service desk's preview of proposed bounce settings: what the next job run would do with them, counted
// in SQL (a list of a million members is never loaded).
import { sql, type Kysely } from 'kysely';
import type { IsoDate } from '../dates.js';
import type { Database } from '../db/schema.js';
import { noticeDueCutoff } from '../policy/job.js';
import type { ListSettings } from './settings.js';

export interface SettingsPreview {
  /** Enabled members the next run would disable with the proposed settings. */
  wouldDisable: number;
  /** The same with the list's current settings. */
  currentlyWouldDisable: number;
  /** Enabled members with a score above 0. */
  bouncing: number;
  /** Members disabled by bounces now. */
  disabled: number;
  /** Of those, how many the next run would notify (warn) and how many it would remove. */
  dueWarning: number;
  dueRemoval: number;
  /** With warnings = 0 every newly disabled member is removed in the same run. */
  wouldRemoveAtOnce: number;
  /** False when the proposed settings switch bounce processing off: the job does nothing for the list. */
  processBounces: boolean;
}

export async function previewSettings(
  db: Kysely<Database>,
  listId: number,
  proposed: ListSettings,
  today: IsoDate,
): Promise<SettingsPreview> {
  const cutoff = noticeDueCutoff(today, proposed.warning_interval_days);
  const { rows } = await sql<{
    would_disable: number;
    currently: number;
    bouncing: number;
    disabled: number;
    due_warning: number;
    due_removal: number;
  }>`
    select count(*) filter (where m.score >= ${proposed.threshold})::int as would_disable,
           count(*) filter (where m.score >= l.threshold)::int as currently,
           count(*)::int as bouncing,
           0 as disabled, 0 as due_warning, 0 as due_removal
      from members m join lists l on l.id = m.list_id
     where m.list_id = ${listId} and m.status = 'enabled' and m.score > 0
    union all
    select 0, 0, 0,
           count(*)::int,
           count(*) filter (where (last_warning_date is null or last_warning_date <= ${cutoff}::date) and warnings_left > 0)::int,
           count(*) filter (where (last_warning_date is null or last_warning_date <= ${cutoff}::date) and warnings_left <= 0)::int
      from members
     where list_id = ${listId} and status = 'disabled_by_bounce'`.execute(db);
  const sum = (k: keyof (typeof rows)[number]) => rows.reduce((n, r) => n + Number(r[k]), 0);
  const on = proposed.process_bounces;
  const wouldDisable = sum('would_disable');
  return {
    wouldDisable: on ? wouldDisable : 0,
    currentlyWouldDisable: sum('currently'),
    bouncing: sum('bouncing'),
    disabled: sum('disabled'),
    dueWarning: on ? sum('due_warning') : 0,
    dueRemoval: on ? sum('due_removal') : 0,
    wouldRemoveAtOnce: on && proposed.warnings === 0 ? wouldDisable : 0,
    processBounces: on,
  };
}
