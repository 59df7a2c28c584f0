// The scheduled bounce job (spec section 4): for every list that processes bounces, disable members at the
// threshold, send the next notification to disabled members that are due, remove those out of warnings.
// Set-based SQL in bounded batches (memory does not grow with the list), each batch one statement, so a run
// killed half-way leaves consistent rows that the next run completes; notices carry a dedupe key besides.
// Owners get one digest per run and list (owner-digests.ts), not one mail per member.
import { sql } from 'kysely';
import { SYSTEM } from '../audit.js';
import type { IsoDate } from '../dates.js';
import type { Db } from '../db/index.js';
import { ownerRecipientsSql } from '../members/owner-recipients.js';
import { DIGEST_LIST_LIMIT, sendOwnerDigests } from './owner-digests.js';
import { noticeDueCutoff } from '../policy/job.js';
import { POLICY_COLUMNS, policyFromRow, type PolicySettings } from '../policy/settings.js';
import type { AppContext } from '../services.js';

export const BOUNCE_JOB = 'bounce';
/** The advisory lock key: "LKBJ". One instance in a cluster runs the job at a time. */
export const BOUNCE_JOB_LOCK = 0x4c4b424a;

export interface BatchInfo {
  listId: number;
  step: 'disable' | 'notify';
  members: number;
}

export interface BounceJobOptions {
  /** Members per statement (default 5000). */
  batchSize?: number;
  /**
   * Workers per step, each on its own connection and its own share of the members (id modulo); with more
   * than one, the disable and the notify steps also run side by side (they touch disjoint members).
   * Default 2 on PostgreSQL, 1 on PGlite (one connection).
   */
  concurrency?: number;
  /** Only these lists (default: every list with process_bounces). */
  listIds?: number[];
  /** Called after each committed batch (progress; tests use it to interrupt a run). */
  onBatch?: (info: BatchInfo) => void | Promise<void>;
  /** Members named in an owner digest; the rest are counted (default 500; the simulator lists all). */
  ownerDigestLimit?: number;
}

export interface ListRunStats {
  listId: number;
  disabled: number;
  warned: number;
  removed: number;
  memberNotices: number;
  /** Owner digests queued (one per owner and kind: disabled, removed). */
  ownerNotices: number;
}

export interface BounceJobResult {
  status: 'succeeded' | 'skipped' | 'failed';
  runId: number | null;
  runDate: IsoDate;
  lists: ListRunStats[];
  totals: Omit<ListRunStats, 'listId'>;
  error?: string;
}

// One run per database handle in this process (PGlite has no advisory locks across connections to worry
// about, but a scheduler tick and a manual run must not overlap either).
const running = new WeakSet<object>();

/** What the job needs of the app context. */
export type JobContext = Pick<AppContext, 'db' | 'engine' | 'clock' | 'logger'>;

/** Runs the job once for today (ctx.clock). Returns `skipped` when another instance holds the lock. */
export async function runBounceJob(ctx: JobContext, opts: BounceJobOptions = {}): Promise<BounceJobResult> {
  const today = ctx.clock.today();
  if (running.has(ctx.db)) return recordSkipped(ctx.db, today);
  running.add(ctx.db);
  try {
    if (ctx.engine !== 'postgres') return await runLocked(ctx, today, opts);
    // A session lock on a connection held for the whole run; the work goes through the pool. If the
    // process dies the session ends and PostgreSQL frees the lock.
    return await ctx.db.connection().execute(async (conn) => {
      const { rows } = await sql<{ got: boolean }>`select pg_try_advisory_lock(${BOUNCE_JOB_LOCK}) as got`.execute(conn);
      if (!rows[0]?.got) return recordSkipped(ctx.db, today);
      try {
        return await runLocked(ctx, today, opts);
      } finally {
        // A broken connection has lost the lock with its session already; the run's result stands.
        await sql`select pg_advisory_unlock(${BOUNCE_JOB_LOCK})`.execute(conn).catch(() => undefined);
      }
    });
  } finally {
    running.delete(ctx.db);
  }
}

const zero = (): Omit<ListRunStats, 'listId'> => ({ disabled: 0, warned: 0, removed: 0, memberNotices: 0, ownerNotices: 0 });

async function recordSkipped(db: Db, today: IsoDate): Promise<BounceJobResult> {
  const run = await db
    .insertInto('job_runs')
    .values({ job: BOUNCE_JOB, run_date: today, status: 'skipped', finished_at: new Date(), stats: JSON.stringify({ reason: 'locked' }) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { status: 'skipped', runId: Number(run.id), runDate: today, lists: [], totals: zero() };
}

async function runLocked(ctx: JobContext, today: IsoDate, opts: BounceJobOptions): Promise<BounceJobResult> {
  const { db, logger } = ctx;
  // Holding the lock, any run still marked running died half-way; this run completes its work.
  await db
    .updateTable('job_runs')
    .set({ status: 'failed', error: 'interrupted', finished_at: new Date() })
    .where('job', '=', BOUNCE_JOB)
    .where('status', '=', 'running')
    .execute();
  const run = await db
    .insertInto('job_runs')
    .values({ job: BOUNCE_JOB, run_date: today, status: 'running' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const runId = Number(run.id);
  const started = Date.now();
  const lists: ListRunStats[] = [];
  const digestLimit = opts.ownerDigestLimit ?? DIGEST_LIST_LIMIT;
  try {
    // Members noted by a run that died before its digests went out: their owners hear now.
    await sendOwnerDigests(db, { beforeRun: runId, limit: digestLimit });
    let q = db
      .selectFrom('lists')
      .select(['id', ...POLICY_COLUMNS])
      .where('process_bounces', '=', true)
      .orderBy('id');
    if (opts.listIds) q = opts.listIds.length > 0 ? q.where('id', 'in', opts.listIds) : q.where(sql<boolean>`false`);
    // A list that fails (say, a broken row) does not stop the others; the run is then marked failed.
    const errors: string[] = [];
    for (const row of await q.execute()) {
      try {
        const stats = await runForList(db, row.id, policyFromRow(row), today, { concurrency: ctx.engine === 'postgres' ? 2 : 1, ...opts, runId });
        stats.ownerNotices += await sendOwnerDigests(db, { listId: row.id, limit: digestLimit });
        lists.push(stats);
      } catch (err) {
        logger.error({ err, listId: row.id, job: BOUNCE_JOB }, 'bounce job failed for a list');
        errors.push(`list ${row.id}: ${err instanceof Error ? err.message : String(err)}`);
        // What this list's run did change, its owners hear about (else the next run tells them).
        await sendOwnerDigests(db, { listId: row.id, limit: digestLimit }).catch(() => undefined);
      }
    }
    const totals = sumStats(lists);
    if (errors.length > 0) throw new Error(errors.join('; '));
    await db
      .updateTable('job_runs')
      .set({ status: 'succeeded', finished_at: new Date(), stats: JSON.stringify({ ...totals, lists: lists.length, ms: Date.now() - started }) })
      .where('id', '=', runId)
      .execute();
    logger.info({ job: BOUNCE_JOB, runDate: today, ...totals }, 'bounce job finished');
    return { status: 'succeeded', runId, runDate: today, lists, totals };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger.error({ err, job: BOUNCE_JOB, runDate: today }, 'bounce job failed');
    await db
      .updateTable('job_runs')
      .set({ status: 'failed', finished_at: new Date(), error: message, stats: JSON.stringify(sumStats(lists)) })
      .where('id', '=', runId)
      .execute()
      .catch(() => undefined);
    return { status: 'failed', runId, runDate: today, lists, totals: sumStats(lists), error: message };
  }
}

function sumStats(lists: ListRunStats[]): Omit<ListRunStats, 'listId'> {
  const t = zero();
  for (const l of lists) {
    t.disabled += l.disabled;
    t.warned += l.warned;
    t.removed += l.removed;
    t.memberNotices += l.memberNotices;
    t.ownerNotices += l.ownerNotices;
  }
  return t;
}

/**
 * A batch is one statement: when PostgreSQL picks it as a deadlock victim (say against a scoring batch locking
 * the same members in another order) nothing of it was written, and it is simply run again.
 */
async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw err;
    }
  }
}

/** The notice key of one disable episode: the instant the member was disabled, in microseconds. */
const episode = (col: string) => sql.raw(`(floor(extract(epoch from ${col}) * 1000000))::bigint::text`);

/**
 * One list's share of a run. Members disabled or removed are noted for the owners' digest (owner_digest_items,
 * with the run's id) in the same statement; `sendOwnerDigests` turns the notes into mail afterwards.
 */
export async function runForList(
  db: Db,
  listId: number,
  settings: PolicySettings,
  today: IsoDate,
  opts: BounceJobOptions & { runId: number },
): Promise<ListRunStats> {
  const batch = opts.batchSize ?? 5000;
  const stats: ListRunStats = { listId, ...zero() };
  // Evaluated once per statement (an uncorrelated subquery): a list without owners notes nothing.
  const hasOwners = sql<boolean>`exists (select 1 from ${ownerRecipientsSql(sql`${listId}`)} o)`;

  // 4.1 Disable, and the next notification at once (section 4.1): in the same statement, so each member row
  // is written once and a batch is all or nothing. With warnings = 0 that notification is the removal.
  // `score > 0` lets the planner use the members_bouncing partial index; no `order by`, so it walks that
  // small index (and members_disabled below) rather than the primary key of a million rows.
  const removeAtOnce = settings.warnings <= 0;
  const workers = Math.max(1, Math.floor(opts.concurrency ?? 1));
  const share = (w: number) => (workers > 1 ? sql`and id % ${workers} = ${w}` : sql``);
  let failure: { error: unknown } | null = null;

  const disableWorker = async (w: number) => {
    for (;;) {
      if (failure) return;
      const { rows } = await retryOnDeadlock(() => sql<{ members: number; removed: number; member_notices: number; owner_items: number }>`
        with due as (
          select id from members
           where list_id = ${listId} and status = 'enabled' and score > 0 and score >= ${settings.threshold} ${share(w)}
           limit ${batch}
             for update
        ),
        upd as (
          update members m
             set status = ${removeAtOnce ? 'removed' : 'disabled_by_bounce'},
                 warnings_left = ${Math.max(settings.warnings - 1, 0)}, warnings_sent = 1,
                 last_warning_date = ${today}::date, disabled_on = ${today}::date,
                 status_changed_at = now(), updated_at = now()
            from due where m.id = due.id
          returning m.id, m.list_id, m.address, m.score, m.status, m.warnings_left,
                    ${episode('m.status_changed_at')} as episode
        ),
        aud as (
          insert into audit_log (actor_type, actor_id, actor_label, action, list_id, member_id, details)
          select ${SYSTEM.type}, null, ${SYSTEM.label},
                 ${removeAtOnce ? 'member.removed_by_bounce' : 'member.disabled_by_bounce'}, upd.list_id, upd.id,
                 jsonb_build_object('date', ${today}::text, 'score', upd.score, 'threshold', ${settings.threshold}::numeric,
                                    'before', jsonb_build_object('status', 'enabled'),
                                    'after', jsonb_build_object('status', upd.status, 'warnings_left', upd.warnings_left))
            from upd
        ),
        mn as (
          insert into notices (list_id, member_id, to_address, type, audience, payload, dedupe_key)
          select upd.list_id, upd.id, upd.address, ${removeAtOnce ? 'removed' : 'disabled'}, 'member',
                 jsonb_build_object('memberId', upd.id, 'listId', upd.list_id, 'notice', 1, 'warningsLeft', upd.warnings_left),
                 'bounce:' || upd.id || ':' || upd.episode || ':1'
            from upd
          on conflict (dedupe_key) do nothing
          returning 1
        ),
        own as (
          insert into owner_digest_items (job_run_id, list_id, type, member_id, address, score)
          select ${opts.runId}, upd.list_id, t.type, upd.id, upd.address, upd.score
            from upd
            cross join (values ('owner_disabled', ${settings.notifyOwnerOnDisable}::boolean),
                               ('owner_removed', ${removeAtOnce && settings.notifyOwnerOnRemoval}::boolean)) as t(type, wanted)
           where t.wanted and ${hasOwners}
          returning 1
        )
        select (select count(*) from upd)::int as members,
               (select count(*) from upd where status = 'removed')::int as removed,
               (select count(*) from mn)::int as member_notices,
               (select count(*) from own)::int as owner_items`.execute(db));
      const r = rows[0]!;
      stats.disabled += r.members;
      stats.removed += r.removed;
      stats.memberNotices += r.member_notices;
      if (r.members > 0) await opts.onBatch?.({ listId, step: 'disable', members: r.members });
      if (r.members < batch) break;
    }
  };

  // 4.2/4.3 The next notification of every disabled member that is due: at most one a run (members just
  // disabled were notified above, today), and the schedule continues from the date it is actually sent.
  // The notice row records a warning; removals are audited too.
  const cutoff = noticeDueCutoff(today, settings.warningIntervalDays);
  const notifyWorker = async (w: number) => {
    for (;;) {
      if (failure) return;
      const { rows } = await retryOnDeadlock(() => sql<{ members: number; warned: number; removed: number; member_notices: number; owner_items: number }>`
        with due as (
          select id, warnings_left, warnings_sent, ${episode('status_changed_at')} as episode from members
           where list_id = ${listId} and status = 'disabled_by_bounce'
             and (last_warning_date is null or last_warning_date <= ${cutoff}::date) ${share(w)}
           limit ${batch}
             for update
        ),
        upd as (
          update members m
             set status = case when due.warnings_left <= 0 then 'removed' else 'disabled_by_bounce' end,
                 warnings_left = greatest(due.warnings_left - 1, 0),
                 warnings_sent = due.warnings_sent + 1,
                 last_warning_date = ${today}::date,
                 status_changed_at = case when due.warnings_left <= 0 then now() else m.status_changed_at end,
                 updated_at = now()
            from due where m.id = due.id
          returning m.id, m.list_id, m.address, m.status, m.warnings_left, m.warnings_sent, due.episode
        ),
        mn as (
          insert into notices (list_id, member_id, to_address, type, audience, payload, dedupe_key)
          select upd.list_id, upd.id, upd.address,
                 case when upd.status = 'removed' then 'removed' when upd.warnings_sent = 1 then 'disabled' else 'warning' end,
                 'member',
                 jsonb_build_object('memberId', upd.id, 'listId', upd.list_id, 'notice', upd.warnings_sent,
                                    'warningsLeft', upd.warnings_left),
                 'bounce:' || upd.id || ':' || upd.episode || ':' || upd.warnings_sent
            from upd
          on conflict (dedupe_key) do nothing
          returning 1
        ),
        own as (
          insert into owner_digest_items (job_run_id, list_id, type, member_id, address, score)
          select ${opts.runId}, upd.list_id, 'owner_removed', upd.id, upd.address, null
            from upd
           where upd.status = 'removed' and ${settings.notifyOwnerOnRemoval}::boolean and ${hasOwners}
          returning 1
        ),
        aud as (
          insert into audit_log (actor_type, actor_id, actor_label, action, list_id, member_id, details)
          select ${SYSTEM.type}, null, ${SYSTEM.label}, 'member.removed_by_bounce', upd.list_id, upd.id,
                 jsonb_build_object('date', ${today}::text, 'notice', upd.warnings_sent,
                                    'before', jsonb_build_object('status', 'disabled_by_bounce'),
                                    'after', jsonb_build_object('status', 'removed'))
            from upd where upd.status = 'removed'
        )
        select (select count(*) from upd)::int as members,
               (select count(*) from upd where status <> 'removed')::int as warned,
               (select count(*) from upd where status = 'removed')::int as removed,
               (select count(*) from mn)::int as member_notices,
               (select count(*) from own)::int as owner_items`.execute(db));
      const r = rows[0]!;
      stats.warned += r.warned;
      stats.removed += r.removed;
      stats.memberNotices += r.member_notices;
      if (r.members > 0) await opts.onBatch?.({ listId, step: 'notify', members: r.members });
      if (r.members < batch) break;
    }
  };

  // A failing worker stops the others after their current batch; the run fails once all have stopped,
  // so no statement of this run is still going when the lock is released.
  const guarded = (fn: (w: number) => Promise<void>) => async (w: number) => {
    try {
      await fn(w);
    } catch (error) {
      failure ??= { error };
    }
  };
  const ids = Array.from({ length: workers }, (_, w) => w);
  if (workers === 1) {
    await guarded(disableWorker)(0);
    await guarded(notifyWorker)(0);
  } else {
    await Promise.all([...ids.map(guarded(disableWorker)), ...ids.map(guarded(notifyWorker))]);
  }
  if (failure) throw (failure as { error: unknown }).error;
  return stats;
}
