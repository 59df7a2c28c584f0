// Every worked timeline of spec section 7, through the simulator's real code paths (DB-backed scoring,
// the operations and the job on PGlite), checked against the spec and against the pure reference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/jobs/simulation.js';
import { parseScenario, simulatePure, type SimulationOutput } from '../../../src/policy/scenario.js';
import { createPgliteDatabase, type TestDatabase } from '../../helpers/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createPgliteDatabase();
}, 600_000); // PGlite's first start compiles WebAssembly: slow on a busy machine
afterAll(async () => database?.close());

const A = 'a@example.org';

async function simulate(input: unknown): Promise<SimulationOutput> {
  const sc = parseScenario(input);
  const out = await runScenario(sc, { database });
  expect(out).toEqual(simulatePure(sc));
  return out;
}

const every = (from: number, to: number, category: string, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => ({ day: from + i * step, address: A, category }));

function memberNoticeDays(out: SimulationOutput): string[] {
  return out.days.flatMap((d) => d.notices.filter((n) => n.to === 'member').map((n) => `${d.day}:${n.type}`));
}

describe('spec section 7 timelines (defaults)', () => {
  it('hard bounce every day: scores 1..5 on days 0-4, disabled day 4, notices days 11 and 18, removed day 25', async () => {
    const out = await simulate({ members: [A], events: every(0, 39, 'hard'), days: 40 });
    expect(out.days.slice(0, 5).map((d) => d.members[A].score)).toEqual([1, 2, 3, 4, 5]);
    expect(out.days[3].members[A].status).toBe('enabled');
    expect(out.days[4].members[A]).toEqual({ score: 5, status: 'disabled_by_bounce', warnings_sent: 1 });
    expect(out.days[4].notices).toEqual([
      { to: 'member', address: A, type: 'disabled' },
      { to: 'owner', address: A, type: 'disabled' },
    ]);
    expect(memberNoticeDays(out)).toEqual(['4:disabled', '11:warning', '18:warning', '25:removed']);
    expect(out.days[24].members[A].status).toBe('disabled_by_bounce');
    expect(out.days[25].members[A]).toMatchObject({ status: 'removed', warnings_sent: 4 });
    expect(out.days[25].notices).toContainEqual({ to: 'owner', address: A, type: 'removed' });
  });

  it('soft bounce every day: 0.5 a day, 5.0 on day 9, disabled day 9, removed day 30', async () => {
    const out = await simulate({ members: [A], events: every(0, 39, 'soft'), days: 40 });
    expect(out.days[8].members[A]).toMatchObject({ score: 4.5, status: 'enabled' });
    expect(out.days[9].members[A]).toMatchObject({ score: 5, status: 'disabled_by_bounce' });
    expect(memberNoticeDays(out)).toEqual(['9:disabled', '16:warning', '23:warning', '30:removed']);
  });

  it('hard bounces on days 0, 8, 16, 24 are each stale: score stays 1, never disabled', async () => {
    const out = await simulate({ members: [A], events: every(0, 24, 'hard', 8), days: 40 });
    for (const d of out.days) {
      expect(d.members[A].score).toBe(1);
      expect(d.members[A].status).toBe('enabled');
    }
    expect(memberNoticeDays(out)).toEqual([]);
  });

  it('hard on days 0 and 7 is not stale: score 2 on day 7', async () => {
    const out = await simulate({ members: [A], events: [{ day: 0, address: A, category: 'hard' }, { day: 7, address: A, category: 'hard' }], days: 8 });
    expect(out.days[7].members[A].score).toBe(2);
  });

  it('soft then hard on day 0 scores 1.0; hard then soft scores 1.0', async () => {
    const B = 'b@example.org';
    const out = await simulate({
      members: [A, B],
      events: [
        { day: 0, address: A, category: 'soft' },
        { day: 0, address: A, category: 'hard' },
        { day: 0, address: B, category: 'hard' },
        { day: 0, address: B, category: 'soft' },
      ],
      days: 1,
    });
    expect(out.days[0].members[A].score).toBe(1);
    expect(out.days[0].members[B].score).toBe(1);
  });

  it('disabled on day 4, re-enabled on day 6: enabled with score 0; a hard bounce on day 7 scores 1', async () => {
    const out = await simulate({
      members: [A],
      events: [...every(0, 4, 'hard'), { day: 6, address: A, action: 'reenable' }, { day: 7, address: A, category: 'hard' }],
      days: 8,
    });
    expect(out.days[4].members[A].status).toBe('disabled_by_bounce');
    expect(out.days[6].members[A]).toEqual({ score: 0, status: 'enabled', warnings_sent: 0 });
    expect(out.days[7].members[A]).toEqual({ score: 1, status: 'enabled', warnings_sent: 0 });
  });

  it('blocked bounces count only when the list weighs them as soft', async () => {
    const events = every(0, 12, 'blocked');
    const off = await simulate({ members: [A], events, days: 13 });
    expect(off.days[12].members[A]).toMatchObject({ score: 0, status: 'enabled' });
    const on = await simulate({ list: { blocked_weight: 0.5 }, members: [A], events, days: 13 });
    expect(on.days[9].members[A]).toMatchObject({ score: 5, status: 'disabled_by_bounce' });
  });

  it('with warnings = 0 the member is removed in the run that disables it', async () => {
    const out = await simulate({ list: { warnings: 0 }, members: [A], events: every(0, 4, 'hard'), days: 5 });
    expect(out.days[4].members[A]).toEqual({ score: 5, status: 'removed', warnings_sent: 1 });
    expect(out.days[4].notices).toEqual([
      { to: 'member', address: A, type: 'removed' },
      { to: 'owner', address: A, type: 'disabled' },
      { to: 'owner', address: A, type: 'removed' },
    ]);
  });

  it('a removed member who resubscribes starts clean; an unsubscribed one too', async () => {
    const out = await simulate({
      list: { warnings: 0 },
      members: [A],
      events: [...every(0, 4, 'hard'), { day: 5, address: A, action: 'resubscribe' }, { day: 6, address: A, action: 'unsubscribe' }, { day: 6, address: A, category: 'hard' }, { day: 8, address: A, action: 'resubscribe' }],
      days: 9,
    });
    expect(out.days[5].members[A]).toEqual({ score: 0, status: 'enabled', warnings_sent: 0 });
    expect(out.days[6].members[A]).toEqual({ score: 0, status: 'unsubscribed', warnings_sent: 0 });
    expect(out.days[8].members[A]).toEqual({ score: 0, status: 'enabled', warnings_sent: 0 });
  });
});
