// The member table of one list: search, filter, sort and keyset pages that stay fast on a million members;
// one member's page (status, score, bounce timeline, raw bounce); adding one member by hand.
import { sql, type Expression, type SqlBool } from 'kysely';
import { checkAddress, printable } from './address.js';
import { audit, type Actor } from '../audit.js';
import { addDays, daysBetween, type IsoDate } from '../dates.js';
import type { Db } from '../db/index.js';
import type { List, Member, MemberStatus } from '../db/schema.js';

export type MemberSort = 'address' | '-address' | '-score' | '-subscribed';
export const MEMBER_SORTS: Record<MemberSort, string> = {
  address: 'Address A–Z',
  '-address': 'Address Z–A',
  '-score': 'Highest bounce score',
  '-subscribed': 'Newest members first',
};
export type MatchMode = 'contains' | 'prefix';

const MEMBER_STATUS_ORDER: readonly MemberStatus[] = ['enabled', 'disabled_by_bounce', 'pending', 'unsubscribed', 'removed'];

export interface MemberQuery {
  q?: string;
  match?: MatchMode;
  status?: MemberStatus | null;
  sort?: MemberSort;
  /** Opaque cursors from a previous page. */
  after?: string | null;
  before?: string | null;
  limit?: number;
}

export interface MemberRow {
  id: number;
  address: string;
  display_name: string;
  status: MemberStatus;
  score: number;
  last_bounce_date: IsoDate | null;
  subscribed_at: Date;
  disabled_on: IsoDate | null;
  last_warning_date: IsoDate | null;
  warnings_left: number;
}

export interface MemberPage {
  rows: MemberRow[];
  /** Cursor for the next / previous page, null at the end / start. */
  next: string | null;
  prev: string | null;
}

type Cursor = [string | number, number];

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string | null | undefined): Cursor | null {
  if (!s) return null;
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[1])) {
      // A hand-made cursor must not carry a NUL (PostgreSQL refuses it in text) or a non-finite number.
      if (typeof v[0] === 'string' && !v[0].includes('\u0000')) return [v[0], v[1] as number];
      if (typeof v[0] === 'number' && Number.isFinite(v[0])) return [v[0], v[1] as number];
    }
  } catch {
    // a hand-edited cursor is just ignored
  }
  return null;
}

/** LIKE pattern for a literal piece of text. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function normaliseQuery(q: string | undefined): string {
  return (q ?? '').trim().toLowerCase().slice(0, 254);
}

// "Newest first" is member id order: the order members were added, with an index per list and per status.
const SORTS: Record<MemberSort, { col: 'address' | 'score' | 'id'; desc: boolean }> = {
  address: { col: 'address', desc: false },
  '-address': { col: 'address', desc: true },
  '-score': { col: 'score', desc: true },
  '-subscribed': { col: 'id', desc: true },
};

function searchCondition(q: string, match: MatchMode): Expression<SqlBool> | null {
  if (!q) return null;
  // Under 3 characters a trigram index cannot help, so short terms match the start of the address.
  if (match === 'prefix' || q.length < 3) return sql<SqlBool>`address like ${likeEscape(q) + '%'}`;
  const at = q.indexOf('@');
  const local = at > 0 ? q.slice(0, at) : '';
  if (local.length >= 3) {
    // Domain trigrams ("gmail", "example") are in most rows and make the GIN scan crawl; the local part is
    // what narrows. The index sees only the local part; the whole term is checked on the few rows found
    // ((address || '') is not indexable, so the planner cannot fold it back into the trigram scan).
    return sql<SqlBool>`address like ${'%' + likeEscape(local) + '@%'} and (address || '') like ${'%' + likeEscape(q) + '%'}`;
  }
  return sql<SqlBool>`address like ${'%' + likeEscape(q) + '%'}`;
}

/**
 * One page of a list's members. Keyset pagination on (sort column, id), so page 5,000 costs what page 1 does;
 * every sort has an index: (list_id[, status], address | score, id | id); see migrations 0001, 0004, 0006.
 */
export async function findMembers(db: Db, listId: number, query: MemberQuery = {}): Promise<MemberPage> {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
  const sort = SORTS[query.sort ?? 'address'] ?? SORTS.address;
  const after = decodeCursor(query.after);
  const before = after ? null : decodeCursor(query.before);
  const backwards = before !== null;
  const desc = sort.desc !== backwards;
  const q = normaliseQuery(query.q);

  const cursor = after ?? before;
  const dir = desc ? 'desc' : 'asc';
  const cond = searchCondition(q, query.match ?? 'contains');

  const build = (status: MemberStatus | null) => {
    let sel = db
      .selectFrom('members')
      .select([
        'id',
        'address',
        'display_name',
        'status',
        'score',
        'last_bounce_date',
        'subscribed_at',
        'disabled_on',
        'last_warning_date',
        'warnings_left',
      ])
      .where('list_id', '=', listId);
    if (cond) sel = sel.where(cond);
    if (status) sel = sel.where('status', '=', status);
    if (cursor) {
      const op = desc ? '<' : '>';
      if (sort.col === 'address') {
        sel = sel.where('address', op, String(cursor[0]));
      } else if (sort.col === 'id') {
        sel = sel.where('id', op, cursor[1]);
      } else {
        sel = sel.where(sql<SqlBool>`(score, id) ${sql.raw(op)} (${Number(cursor[0])}, ${cursor[1]})`);
      }
    }
    // With a status filter, ordering by status first changes nothing (one status) but lets the planner walk
    // (list_id, status, column) instead of an index over every status, filtering out the others as it goes.
    if (status) sel = sel.orderBy('status', dir);
    sel = sel.orderBy(sort.col, dir);
    if (sort.col === 'score') sel = sel.orderBy('id', dir);
    return sel.limit(limit + 1);
  };

  let fetched: MemberRow[];
  if (sort.col === 'score' && !query.status) {
    // Score order over every status: one (list_id, status, score, id) walk per status, merged. An index on
    // (list_id, score, id) would serve this alone, but then the planner also takes it for one status and
    // walks past every higher-scored member of the others (the disabled ones sit at the top).
    const parts = MEMBER_STATUS_ORDER.map((st) => db.selectFrom(build(st).as(`s_${st}`)).selectAll());
    const [firstPart, ...rest] = parts;
    const union = rest.reduce((u, part) => u.unionAll(part), firstPart);
    fetched = (await db
      .selectFrom(union.as('u'))
      .selectAll()
      .orderBy('score', dir)
      .orderBy('id', dir)
      .limit(limit + 1)
      .execute()) as MemberRow[];
  } else {
    fetched = (await build(query.status ?? null).execute()) as MemberRow[];
  }
  const more = fetched.length > limit;
  const rows = more ? fetched.slice(0, limit) : fetched;
  if (backwards) rows.reverse();
  const key = (r: MemberRow): Cursor => [
    sort.col === 'id' ? Number(r.id) : sort.col === 'score' ? Number(r.score) : r.address,
    Number(r.id),
  ];
  const first = rows[0];
  const last = rows[rows.length - 1];
  return {
    rows,
    next: last && (backwards || more) ? encodeCursor(key(last)) : null,
    prev: first && (backwards ? more : cursor !== null) ? encodeCursor(key(first)) : null,
  };
}

export const COUNT_CAP = 1000;

/** How many members match a search, counted up to COUNT_CAP (then "1,000+"): exact counts of a substring scan cost seconds. */
export async function countMatches(
  db: Db,
  listId: number,
  query: Pick<MemberQuery, 'q' | 'match' | 'status'>,
): Promise<{ n: number; capped: boolean }> {
  const q = normaliseQuery(query.q);
  let inner = db.selectFrom('members').select(sql`1`.as('one')).where('list_id', '=', listId);
  const cond = searchCondition(q, query.match ?? 'contains');
  if (cond) inner = inner.where(cond);
  if (query.status) inner = inner.where('status', '=', query.status);
  const row = await db
    .selectFrom(inner.limit(COUNT_CAP + 1).as('m'))
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  return n > COUNT_CAP ? { n: COUNT_CAP, capped: true } : { n, capped: false };
}

/** The day a disabled member will be removed if nothing changes (spec section 4), and days left until then. */
export function removalOutlook(
  m: Pick<Member, 'status' | 'last_warning_date' | 'warnings_left' | 'disabled_on'>,
  list: Pick<List, 'warning_interval_days' | 'warnings'>,
  today: IsoDate,
): { removalOn: IsoDate; daysLeft: number } | null {
  if (m.status !== 'disabled_by_bounce') return null;
  const interval = list.warning_interval_days;
  // Not yet notified: the job notifies at its next run, then warnings_left - 1 more notices, then removal.
  const removalOn = m.last_warning_date
    ? addDays(m.last_warning_date, interval * (Math.max(m.warnings_left, 0) + 1))
    : addDays(today, interval * list.warnings);
  return { removalOn, daysLeft: Math.max(0, daysBetween(today, removalOn)) };
}

export async function getMember(db: Db, listId: number, memberId: number): Promise<Member | undefined> {
  return db.selectFrom('members').selectAll().where('id', '=', memberId).where('list_id', '=', listId).executeTakeFirst();
}

export interface TimelineEvent {
  id: number;
  kind: string;
  category: string | null;
  reason: string | null;
  status: string | null;
  diagnostic: string | null;
  remote_mta: string | null;
  feedback_type: string | null;
  event_date: IsoDate;
  weight: number;
  scored_on: IsoDate | null;
  effect: string;
  created_at: Date;
  source: string;
  inbound_message_id: number | null;
  subject: string | null;
}

/** The member's bounce events, newest first (at most `limit`). */
export async function bounceTimeline(db: Db, listId: number, memberId: number, limit = 200): Promise<TimelineEvent[]> {
  const rows = await db
    .selectFrom('bounce_events as e')
    .leftJoin('inbound_messages as m', 'm.id', 'e.inbound_message_id')
    .select([
      'e.id',
      'e.kind',
      'e.category',
      'e.reason',
      'e.status',
      'e.diagnostic',
      'e.remote_mta',
      'e.feedback_type',
      'e.event_date',
      'e.weight',
      'e.scored_on',
      'e.effect',
      'e.created_at',
      'e.source',
      'e.inbound_message_id',
      'm.subject',
    ])
    .where('e.member_id', '=', memberId)
    .where('e.list_id', '=', listId)
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(limit)
    .execute();
  return rows as TimelineEvent[];
}

export interface MemberAuditEntry {
  at: Date;
  actor_label: string;
  action: string;
  details: unknown;
}

export async function memberHistory(db: Db, memberId: number, limit = 50): Promise<MemberAuditEntry[]> {
  return db
    .selectFrom('audit_log')
    .select(['at', 'actor_label', 'action', 'details'])
    .where('member_id', '=', memberId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export interface RawBounce {
  eventId: number;
  inboundId: number;
  subject: string | null;
  receivedAt: Date;
  size: number;
  raw: Buffer;
}

/** The stored message behind one of this member's bounce events; scoped by list and member so ids cannot be guessed across lists. */
export async function rawBounce(db: Db, listId: number, memberId: number, eventId: number): Promise<RawBounce | null> {
  const row = await db
    .selectFrom('bounce_events as e')
    .innerJoin('inbound_messages as m', 'm.id', 'e.inbound_message_id')
    .select(['e.id as event_id', 'm.id as inbound_id', 'm.subject', 'm.received_at', 'm.size', 'm.raw'])
    .where('e.id', '=', eventId)
    .where('e.member_id', '=', memberId)
    .where('e.list_id', '=', listId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    eventId: row.event_id,
    inboundId: row.inbound_id,
    subject: row.subject,
    receivedAt: row.received_at,
    size: row.size,
    raw: Buffer.from(row.raw),
  };
}

export type AddMemberResult =
  | { ok: true; id: number; address: string }
  | { ok: false; error: 'bad_address' | 'exists'; message: string };

/** Adds one member by hand, enabled at once (the admin vouches for the address; no double opt-in). */
export async function addMember(
  db: Db,
  actor: Actor,
  listId: number,
  input: { address: string; displayName?: string },
): Promise<AddMemberResult> {
  const checked = checkAddress(input.address);
  if (!checked.ok) {
    const shown = printable(input.address.trim()).slice(0, 320);
    const message = checked.reason === 'control' ? `"${shown}" contains a control character (such as a line break): not an email address.` : `"${shown}" is not a valid email address.`;
    return { ok: false, error: 'bad_address', message };
  }
  const address = checked.address;
  const displayName = (input.displayName ?? '').trim().slice(0, 200);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('members')
      .values({ list_id: listId, address, display_name: displayName, status: 'enabled', score: 0, last_bounce_increment: 0 })
      .onConflict((oc) => oc.columns(['list_id', 'address']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) {
      const existing = await trx
        .selectFrom('members')
        .select('status')
        .where('list_id', '=', listId)
        .where('address', '=', address)
        .executeTakeFirst();
      return {
        ok: false as const,
        error: 'exists' as const,
        message: `${address} is already on this list (status: ${existing?.status ?? 'unknown'}).`,
      };
    }
    await audit(trx, actor, { action: 'member.added', listId, memberId: row.id, details: { address, source: 'admin' } });
    return { ok: true as const, id: row.id, address };
  });
}
