// The simulator's engine: a scenario run through the real code paths (DB-backed scoring, the section-5
// operations and the real job) on a database, the clock moved a day at a time.
import { randomBytes } from 'node:crypto';
import { manualClock } from '../clock.js';
import { addDays } from '../dates.js';
import { openDatabase, type Db, type Engine } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import type { Actor } from '../audit.js';
import { createLogger, type Logger } from '../logger.js';
import { applyOperation, type OperationName } from '../members/operations.js';
import { recordBounceEvents } from '../members/scoring.js';
import {
  outputStatus,
  SIMULATION_DAY0,
  sortNotices,
  type DayOutput,
  type Scenario,
  type ScenarioAction,
  type SimulationOutput,
} from '../policy/scenario.js';
import { policyToRow } from '../policy/settings.js';
import { runBounceJob } from './bounce-job.js';

export const SIMULATOR_ACTOR: Actor = { type: 'system', id: null, label: 'simulator' };
const OWNER = 'owner@simulator.invalid';

const OPERATIONS: Record<ScenarioAction, OperationName> = {
  reenable: 'reenable',
  unsubscribe: 'unsubscribe',
  resubscribe: 'resubscribe',
  reset_score: 'reset_score',
};

export interface RunScenarioOptions {
  /** An open, migrated database to use (a new list is made in it); default: a throwaway in-memory PGlite. */
  database?: { db: Db; engine: Engine };
  logger?: Logger;
}

function digestMembers(payload: unknown): number[] | null {
  const members = (payload as { members?: unknown } | null)?.members;
  if (!Array.isArray(members)) return null;
  return members.map((m) => Number((m as { memberId?: unknown }).memberId));
}

/** Runs a parsed scenario (see policy/scenario.ts) and returns the simulator's output. */
export async function runScenario(sc: Scenario, opts: RunScenarioOptions = {}): Promise<SimulationOutput> {
  const own = opts.database ? null : await openDatabase({ databaseUrl: null, dataDir: null });
  const { db, engine } = opts.database ?? own!;
  try {
    if (own) await migrate(db);
    const logger = opts.logger ?? createLogger('silent');
    const clock = manualClock(`${SIMULATION_DAY0}T12:00:00Z`, 'UTC');
    const list = await db
      .insertInto('lists')
      .values({ name: `sim-${randomBytes(6).toString('hex')}`, display_name: 'Simulation', owner_address: OWNER, ...policyToRow(sc.list) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const listId = list.id;
    const ids = new Map<string, number>();
    if (sc.members.length > 0) {
      const rows = await db
        .insertInto('members')
        .values(sc.members.map((address) => ({ list_id: listId, address })))
        .returning(['id', 'address'])
        .execute();
      for (const r of rows) ids.set(r.address, Number(r.id));
    }
    const addressOf = new Map([...ids].map(([a, id]) => [id, a]));
    let lastNotice = 0;
    const days: DayOutput[] = [];
    for (let day = 0; day < sc.days; day++) {
      const today = addDays(SIMULATION_DAY0, day);
      clock.set(`${today}T12:00:00Z`);
      for (const e of sc.events) {
        if (e.day !== day) continue;
        const memberId = ids.get(e.address)!;
        if (e.type === 'action') {
          await applyOperation(db, SIMULATOR_ACTOR, memberId, today, OPERATIONS[e.action]);
        } else {
          await recordBounceEvents(
            db,
            [
              {
                listId,
                memberId,
                address: e.address,
                kind: e.kind,
                category: e.category,
                reason: null,
                status: null,
                diagnostic: null,
                remoteMta: null,
                source: 'cli',
              },
            ],
            today,
          );
        }
      }
      // Every member named in the owners' digest, so the output can list owner notices per member as documented.
      const run = await runBounceJob({ db, engine, clock, logger }, { listIds: [listId], ownerDigestLimit: Number.MAX_SAFE_INTEGER });
      if (run.status !== 'succeeded') throw new Error(`the job did not run on day ${day}: ${run.status} ${run.error ?? ''}`);

      const members = await db
        .selectFrom('members')
        .select(['address', 'score', 'status', 'warnings_sent'])
        .where('list_id', '=', listId)
        .orderBy('id')
        .execute();
      const notices = await db
        .selectFrom('notices')
        .select(['id', 'type', 'audience', 'member_id', 'payload'])
        .where('list_id', '=', listId)
        .where('id', '>', lastNotice)
        .where('type', 'in', ['disabled', 'warning', 'removed', 'owner_disabled', 'owner_removed'])
        .orderBy('id')
        .execute();
      for (const n of notices) lastNotice = Math.max(lastNotice, Number(n.id));
      const out: DayOutput = { day, members: {}, notices: [] };
      for (const m of members) {
        out.members[m.address] = { score: Number(m.score), status: outputStatus(m.status), warnings_sent: m.warnings_sent };
      }
      out.notices = sortNotices(
        notices.flatMap((n) => {
          const type = n.type === 'owner_disabled' ? 'disabled' : n.type === 'owner_removed' ? 'removed' : (n.type as 'disabled' | 'warning' | 'removed');
          // An owner digest names the members it is about: one owner notice per member in the output.
          const about = digestMembers(n.payload) ?? [Number(n.member_id)];
          return about.map((id) => ({ to: n.audience, address: addressOf.get(id) ?? '', type }));
        }),
        sc.members,
      );
      days.push(out);
    }
    return { days };
  } finally {
    if (own) await own.close();
  }
}
