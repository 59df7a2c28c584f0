// npm run bench:policy — the bounce job and the scoring on real PostgreSQL at a million members.
// A throwaway database through the test harness (scripts/bench-database.ts).
// Data: 1,000,000 members on one list; 50,000 bouncing (score > 0), 20,000 of them over the threshold;
// 10,000 disabled members due a warning. Figures: one job run; a scoring batch of 10,000 events (median of 3).
import { benchDatabase } from './bench-database.js';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { sql } from 'kysely';
import { manualClock } from '../src/clock.js';
import { addDays } from '../src/dates.js';
import { openDatabase, type Db } from '../src/db/index.js';
import { migrate } from '../src/db/migrate.js';
import { runBounceJob } from '../src/jobs/bounce-job.js';
import { createLogger } from '../src/logger.js';
import { recordBounceEvents, type BounceEventInput } from '../src/members/scoring.js';

const MEMBERS = 1_000_000;
const OVER = 20_000; // per 100 members: 2 over the threshold,
const BOUNCING = 50_000; // 5 bouncing (those 2 included),
const DUE_WARNING = 10_000; // 1 disabled and due a warning
const EVENTS = 10_000;
const TODAY = '2026-06-15';

/**
 * CPU time (ms) of each of this database's server processes, when PostgreSQL runs on this host (/proc
 * readable): printed next to wall times, which a busy machine stretches.
 */
async function backendCpu(db: Db): Promise<Map<number, number> | null> {
  try {
    const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
    const tick = 10; // USER_HZ is 100 on Linux
    const out = new Map<number, number>();
    for (const { pid } of rows) {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) * tick);
    }
    return out;
  } catch {
    return null;
  }
}

/** CPU seconds used between two snapshots (a process new in the second counts from zero). */
function cpuBetween(before: Map<number, number> | null, after: Map<number, number> | null): string {
  if (!before || !after) return '';
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return `, postgres cpu ${(ms / 1000).toFixed(2)} s`;
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const log = (msg: string) => process.stdout.write(msg + '\n');

async function main(): Promise<void> {
  const bench = await benchDatabase('lk_bench_policy');
  log(`postgres: ${bench.source}`);
  const handle = await openDatabase({ databaseUrl: bench.url, dataDir: null });
  const db = handle.db;
  try {
    await migrate(db);
    let t0 = process.hrtime.bigint();
    const list = await db
      .insertInto('lists')
      .values({ name: 'bench', display_name: 'Bench', owner_address: 'owner@example.org' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const listId = list.id;
    // The trigram index is built after the load, as a bulk import would.
    await sql`drop index members_address_trgm`.execute(db);
    const yesterday = addDays(TODAY, -1);
    const weekAgo = addDays(TODAY, -7);
    await sql`
      insert into members (list_id, address, status, score, last_bounce_date, last_bounce_increment,
                           warnings_left, warnings_sent, last_warning_date, disabled_on)
      select ${listId}, 'member' || g || '@example' || (g % 97) || '.org',
             case when k = 'due' then 'disabled_by_bounce' else 'enabled' end,
             case k when 'over' then 5 + (g % 3) when 'bouncing' then 0.5 * (1 + g % 9) when 'due' then 5 else 0 end,
             case k when 'over' then ${yesterday}::date - (g % 5) when 'bouncing' then ${yesterday}::date - (g % 5)
                    when 'due' then ${weekAgo}::date - 14 end,
             case when k in ('over', 'bouncing') then 1 else 0 end,
             case when k = 'due' then 1 + g % 3 else 0 end,
             case when k = 'due' then 1 else 0 end,
             case when k = 'due' then ${weekAgo}::date - (g % 3) end,
             case when k = 'due' then ${weekAgo}::date - 14 end
        -- Spread over the whole id range, as real bounces are: per 100 members, 2 over the threshold,
        -- 3 more bouncing, 1 disabled and due a warning.
        from (select g, case when g % 100 in (0, 50) then 'over' when g % 100 in (1, 2, 3) then 'bouncing'
                             when g % 100 = 4 then 'due' else 'clean' end as k
                from generate_series(1, ${MEMBERS}) g) s`.execute(db);
    await sql`create index members_address_trgm on members using gin (address gin_trgm_ops)`.execute(db);
    await sql`vacuum analyze members`.execute(db);
    const loaded = await sql<{ bouncing: number; due: number }>`
      select count(*) filter (where status = 'enabled' and score > 0)::int as bouncing,
             count(*) filter (where status = 'disabled_by_bounce')::int as due
        from members`.execute(db);
    if (loaded.rows[0]!.bouncing !== BOUNCING || loaded.rows[0]!.due !== DUE_WARNING) {
      throw new Error(`data set: ${JSON.stringify(loaded.rows[0])}, expected ${BOUNCING} bouncing, ${DUE_WARNING} due`);
    }
    log(`setup: ${MEMBERS} members loaded and indexed in ${seconds(t0).toFixed(1)} s`);

    const logger = createLogger('silent');
    const clock = manualClock(`${TODAY}T10:00:00Z`);
    const rssBefore = process.memoryUsage().rss;
    log(`load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (${os.cpus().length} cpus)`);
    const jobCpu0 = await backendCpu(db);
    t0 = process.hrtime.bigint();
    const run = await runBounceJob({ db, engine: 'postgres', clock, logger });
    const jobSeconds = seconds(t0);
    log(`job: ${jobSeconds.toFixed(2)} s${cpuBetween(jobCpu0, await backendCpu(db))}`);
    if (run.status !== 'succeeded') throw new Error(`job run ${run.status}: ${run.error ?? ''}`);
    const t = run.totals;
    log(`job: disabled ${t.disabled}, warned ${t.warned}, removed ${t.removed}, member notices ${t.memberNotices}, owner notices ${t.ownerNotices}`);
    log(`job: rss before ${(rssBefore / 1e6).toFixed(0)} MB, after ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
    if (t.disabled !== OVER) throw new Error(`expected ${OVER} disabled, got ${t.disabled}`);

    // Batches of 10,000 events on enabled members: half bouncing already, half new; hard and soft mixed.
    // Three batches on different members; the figure is their median (each is printed).
    const scoreRuns: number[] = [];
    for (let round = 0; round < 3; round++) {
      const targets = await sql<{ id: number; address: string }>`
        (select id, address from members where list_id = ${listId} and status = 'enabled' and score > 0
          and last_bounce_date < ${TODAY}::date order by id limit ${EVENTS / 2})
        union all
        (select id, address from members where list_id = ${listId} and status = 'enabled' and score = 0
          and last_bounce_date is null order by id limit ${EVENTS / 2})`.execute(db);
      const events: BounceEventInput[] = targets.rows.map((m, i) => ({
        listId,
        memberId: Number(m.id),
        address: m.address,
        kind: 'bounce',
        category: i % 3 === 0 ? 'soft' : 'hard',
        reason: i % 3 === 0 ? 'mailboxfull' : 'userunknown',
        status: i % 3 === 0 ? '5.2.2' : '5.1.1',
        diagnostic: 'smtp; 550 5.1.1 user unknown',
        remoteMta: 'mx.example.org',
        source: 'imap',
      }));
      const cpu0 = await backendCpu(db);
      t0 = process.hrtime.bigint();
      const recorded = await recordBounceEvents(db, events, clock.today());
      const s = seconds(t0);
      const cpu = cpuBetween(cpu0, await backendCpu(db));
      scoreRuns.push(s);
      log(`score: batch ${round + 1}: ${recorded.length} events, ${recorded.filter((r) => r.scored).length} scored in ${s.toFixed(2)} s${cpu}`);
    }
    const scoreSeconds = [...scoreRuns].sort((a, b) => a - b)[1]!;
    log(`load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (${os.cpus().length} cpus)`);

    log(`RESULT job_run_s ${jobSeconds.toFixed(2)} s`);
    log(`RESULT score_10k_s ${scoreSeconds.toFixed(2)} s`);
  } finally {
    await handle.close();
    await bench.release();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:policy failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
