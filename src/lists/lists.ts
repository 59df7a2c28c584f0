// Lists as the admin pages see them: which lists a staff member may see, their health figures, create and edit.
// Bounce settings are the service desk's (lists/settings.ts); here only name, display name, description, owner.
import { sql } from 'kysely';
import { audit, type Actor } from '../audit.js';
import { addDays, type IsoDate } from '../dates.js';
import type { Db } from '../db/index.js';
import type { List, MemberStatus } from '../db/schema.js';
import { entryAddress, hasControlChar } from '../members/address.js';

export const MEMBER_STATUSES: readonly MemberStatus[] = ['enabled', 'disabled_by_bounce', 'pending', 'unsubscribed', 'removed'];

/** Who is asking: all lists (site admin, service desk) or only the given ones (list admin). */
export interface ListScope {
  allLists: boolean;
  listIds: number[];
}

export type StatusCounts = Record<MemberStatus, number> & { total: number };

export interface TrendDay {
  date: IsoDate;
  hard: number;
  soft: number;
  blocked: number;
}

export interface ListHealth {
  list: List;
  counts: StatusCounts;
  bouncesThisWeek: number;
  hardThisWeek: number;
  complaintsThisWeek: number;
  blockedThisWeek: number;
  /** The last TREND_DAYS days, oldest first. */
  trend: TrendDay[];
}

export const TREND_DAYS = 28;

export function emptyCounts(): StatusCounts {
  return { enabled: 0, disabled_by_bounce: 0, pending: 0, unsubscribed: 0, removed: 0, total: 0 };
}

export async function visibleLists(db: Db, scope: ListScope): Promise<List[]> {
  if (!scope.allLists && scope.listIds.length === 0) return [];
  let q = db.selectFrom('lists').selectAll().orderBy('name');
  if (!scope.allLists) q = q.where('id', 'in', scope.listIds);
  return q.execute();
}

export async function getList(db: Db, listId: number): Promise<List | undefined> {
  return db.selectFrom('lists').selectAll().where('id', '=', listId).executeTakeFirst();
}

/** Exact member counts by status from the trigger-kept member_counts table. */
export async function statusCounts(db: Db, listIds: number[]): Promise<Map<number, StatusCounts>> {
  const out = new Map<number, StatusCounts>(listIds.map((id) => [id, emptyCounts()]));
  if (listIds.length === 0) return out;
  const rows = await db.selectFrom('member_counts').selectAll().where('list_id', 'in', listIds).execute();
  for (const r of rows) {
    const c = out.get(r.list_id);
    if (!c || !(r.status in c)) continue;
    c[r.status] = Number(r.n);
    c.total += Number(r.n);
  }
  return out;
}

/** The dashboard: every visible list with counts, this week's bounces and a 4-week trend. */
export async function listHealth(db: Db, scope: ListScope, today: IsoDate): Promise<ListHealth[]> {
  const lists = await visibleLists(db, scope);
  if (lists.length === 0) return [];
  const ids = lists.map((l) => l.id);
  const counts = await statusCounts(db, ids);
  const from = addDays(today, -(TREND_DAYS - 1));
  const weekFrom = addDays(today, -6);
  const rows = await db
    .selectFrom('bounce_events')
    .select([
      'list_id',
      'event_date',
      sql<number>`count(*) filter (where kind = 'bounce' and category = 'hard')`.as('hard'),
      sql<number>`count(*) filter (where kind = 'bounce' and (category = 'soft' or category is null))`.as('soft'),
      sql<number>`count(*) filter (where kind = 'bounce' and category = 'blocked')`.as('blocked'),
      sql<number>`count(*) filter (where kind = 'complaint')`.as('complaints'),
    ])
    .where('list_id', 'in', ids)
    .where('event_date', '>=', from)
    .where('event_date', '<=', today)
    .groupBy(['list_id', 'event_date'])
    .execute();
  return lists.map((list) => {
    const mine = rows.filter((r) => r.list_id === list.id);
    const byDate = new Map(mine.map((r) => [r.event_date, r]));
    const trend: TrendDay[] = [];
    for (let i = TREND_DAYS - 1; i >= 0; i--) {
      const date = addDays(today, -i);
      const r = byDate.get(date);
      trend.push({ date, hard: Number(r?.hard ?? 0), soft: Number(r?.soft ?? 0), blocked: Number(r?.blocked ?? 0) });
    }
    const week = mine.filter((r) => r.event_date >= weekFrom);
    const sum = (k: 'hard' | 'soft' | 'blocked' | 'complaints') => week.reduce((s, r) => s + Number(r[k]), 0);
    return {
      list,
      counts: counts.get(list.id) ?? emptyCounts(),
      bouncesThisWeek: sum('hard') + sum('soft') + sum('blocked'),
      hardThisWeek: sum('hard'),
      complaintsThisWeek: sum('complaints'),
      blockedThisWeek: sum('blocked'),
      trend,
    };
  });
}

export interface ListInput {
  name: string;
  displayName: string;
  description: string;
  ownerAddress: string;
}

export type ListFormErrors = Partial<Record<keyof ListInput, string>>;

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The owner address normalised, null when left empty, undefined when not an address (members/address.ts rule). */
function ownerAddress(input: ListInput): string | null | undefined {
  if (input.ownerAddress.trim() === '') return null;
  return entryAddress(input.ownerAddress) ?? undefined;
}

export function validateList(input: ListInput, opts: { creating: boolean }): ListFormErrors {
  const errors: ListFormErrors = {};
  if (opts.creating && !NAME_RE.test(input.name)) {
    errors.name = 'Use 1 to 63 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit.';
  }
  if (!input.displayName.trim()) errors.displayName = 'Give the list a display name.';
  else if (input.displayName.length > 200) errors.displayName = 'The display name is too long (200 characters at most).';
  if (input.description.length > 5000) errors.description = 'The description is too long (5,000 characters at most).';
  const owner = ownerAddress(input);
  if (owner === undefined) {
    errors.ownerAddress = hasControlChar(input.ownerAddress)
      ? 'Enter a valid email address, or leave it empty. The address contains a control character (such as a line break).'
      : 'Enter a valid email address, or leave it empty.';
  }
  return errors;
}

export type SaveListResult = { ok: true; id: number } | { ok: false; errors: ListFormErrors };

/** Creates a list (site admin); threshold and the other bounce settings take the spec's defaults. */
export async function createList(db: Db, actor: Actor, input: ListInput): Promise<SaveListResult> {
  const errors = validateList(input, { creating: true });
  if (Object.keys(errors).length) return { ok: false, errors };
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('lists')
      .values({
        name: input.name,
        display_name: input.displayName.trim(),
        description: input.description.trim(),
        owner_address: ownerAddress(input) ?? null,
        threshold: 5,
        blocked_weight: 0,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return { ok: false as const, errors: { name: 'A list with this name exists already.' } };
    await audit(trx, actor, { action: 'list.created', listId: row.id, details: { name: input.name } });
    return { ok: true as const, id: row.id };
  });
}

/** Edits a list's name-level fields (the list name itself never changes: it is in every VERP address). */
export async function updateList(db: Db, actor: Actor, listId: number, input: ListInput): Promise<SaveListResult> {
  const errors = validateList(input, { creating: false });
  if (Object.keys(errors).length) return { ok: false, errors };
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('lists').selectAll().where('id', '=', listId).forUpdate().executeTakeFirst();
    if (!before) return { ok: false as const, errors: { name: 'No such list.' } };
    const after = {
      display_name: input.displayName.trim(),
      description: input.description.trim(),
      owner_address: ownerAddress(input) ?? null,
    };
    await trx
      .updateTable('lists')
      .set({ ...after, updated_at: new Date() })
      .where('id', '=', listId)
      .execute();
    const changed = Object.fromEntries(
      Object.entries(after).filter(([k, v]) => (before as Record<string, unknown>)[k] !== v),
    );
    if (Object.keys(changed).length) {
      await audit(trx, actor, {
        action: 'list.updated',
        listId,
        details: {
          before: Object.fromEntries(Object.keys(changed).map((k) => [k, (before as Record<string, unknown>)[k]])),
          after: changed,
        },
      });
    }
    return { ok: true as const, id: listId };
  });
}
