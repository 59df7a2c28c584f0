// Read-only queries behind the service desk pages: every list's bounce settings, and the audit log.
import { sql } from 'kysely';
import type { Db } from '../../../db/index.js';
import type { ActorType } from '../../../db/schema.js';
import { SETTINGS_FIELDS, type ListSettings } from '../../../lists/settings.js';

export type ListSettingsRow = ListSettings & { id: number; name: string; display_name: string; updated_at: Date };

const SETTINGS_COLUMNS = ['id', 'name', 'display_name', ...SETTINGS_FIELDS, 'updated_at'] as const;

export async function listAllSettings(db: Db): Promise<ListSettingsRow[]> {
  return db.selectFrom('lists').select(SETTINGS_COLUMNS).orderBy('name').execute();
}

export async function listSettings(db: Db, listId: number): Promise<ListSettingsRow | undefined> {
  return db.selectFrom('lists').select(SETTINGS_COLUMNS).where('id', '=', listId).executeTakeFirst();
}

export interface AuditFilter {
  listId: number | null;
  action: string | null;
  /** Matches the actor's label (an email for staff) or "system", case-insensitive substring. */
  actor: string | null;
  /** Inclusive calendar dates in the server's time zone. */
  from: string | null;
  to: string | null;
}

/** The id of the last row seen; its (at, id) is read back in SQL so microseconds are never rounded. */
export type AuditCursor = number;

export interface AuditRow {
  id: number;
  at: Date;
  actor_type: ActorType;
  actor_label: string;
  action: string;
  list_id: number | null;
  list_name: string | null;
  member_id: number | null;
  member_address: string | null;
  details: unknown;
}

export interface AuditPage {
  rows: AuditRow[];
  /** The cursor of the next (older) page; null on the last one. */
  next: AuditCursor | null;
}

/** Newest first, keyset-paginated on (at, id) so a page deep in a long log costs the same as the first. */
export async function auditPage(
  db: Db,
  filter: AuditFilter,
  opts: { before: AuditCursor | null; limit: number; timeZone: string },
): Promise<AuditPage> {
  let q = db
    .selectFrom('audit_log as a')
    .leftJoin('lists as l', 'l.id', 'a.list_id')
    .leftJoin('members as m', 'm.id', 'a.member_id')
    .select([
      'a.id',
      'a.at',
      'a.actor_type',
      'a.actor_label',
      'a.action',
      'a.list_id',
      'l.name as list_name',
      'a.member_id',
      'm.address as member_address',
      'a.details',
    ]);
  if (filter.listId !== null) q = q.where('a.list_id', '=', filter.listId);
  if (filter.action !== null) q = q.where('a.action', '=', filter.action);
  if (filter.actor !== null) {
    const pattern = `%${filter.actor.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    q = q.where(sql<boolean>`a.actor_label ilike ${pattern}`);
  }
  if (filter.from !== null) q = q.where(sql<boolean>`a.at >= (${filter.from}::date::timestamp at time zone ${opts.timeZone})`);
  if (filter.to !== null) {
    q = q.where(sql<boolean>`a.at < ((${filter.to}::date + 1)::timestamp at time zone ${opts.timeZone})`);
  }
  if (opts.before !== null) {
    q = q.where(sql<boolean>`(a.at, a.id) < (select c.at, c.id from audit_log c where c.id = ${opts.before})`);
  }
  const rows = (await q
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(opts.limit + 1)
    .execute()) as AuditRow[];
  const more = rows.length > opts.limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { rows, next: more && last ? last.id : null };
}

/**
 * The distinct actions, for the filter's drop-down: a loose index scan on audit_log_action (one index probe per
 * action), so a log of millions of entries costs as much as its few dozen action names.
 */
export async function auditActions(db: Db): Promise<string[]> {
  const { rows } = await sql<{ action: string }>`
    with recursive t(action) as (
      (select action from audit_log order by action limit 1)
      union all
      select (select a.action from audit_log a where a.action > t.action order by a.action limit 1)
        from t where t.action is not null
    )
    select action from t where action is not null`.execute(db);
  return rows.map((r) => r.action);
}

export function decodeCursor(s: string | undefined): AuditCursor | null {
  if (!s || !/^\d{1,15}$/.test(s)) return null;
  return Number(s);
}
