// Property tests: random settings and random event sequences give the same day-by-day result through the
// DB-backed path (set-based scoring, operations, the real job, on PostgreSQL) as through the pure functions.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/jobs/simulation.js';
import { parseScenario, simulatePure } from '../../../src/policy/scenario.js';
import { createPostgresDatabase, type TestDatabase } from '../../helpers/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createPostgresDatabase(); // production's engine (timelines.test.ts runs the simulator's PGlite)
}, 120_000);
afterAll(async () => database?.drop());

const MEMBERS = ['a@example.org', 'b@example.org', 'c@example.org'];

const settingsArb = fc.record(
  {
    threshold: fc.constantFrom(0.5, 1, 1.5, 2, 3, 5),
    stale_after_days: fc.integer({ min: 1, max: 8 }),
    warnings: fc.integer({ min: 0, max: 3 }),
    warning_interval_days: fc.integer({ min: 1, max: 5 }),
    blocked_weight: fc.constantFrom(0, 0.5),
    notify_owner_on_disable: fc.boolean(),
    notify_owner_on_removal: fc.boolean(),
    unsubscribe_on_complaint: fc.boolean(),
  },
  { requiredKeys: [] },
);

const eventArb = (days: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ day: fc.integer({ min: 0, max: days - 1 }), address: fc.constantFrom(...MEMBERS), category: fc.constantFrom('hard', 'soft', 'blocked') }) },
    { weight: 1, arbitrary: fc.record({ day: fc.integer({ min: 0, max: days - 1 }), address: fc.constantFrom(...MEMBERS), kind: fc.constantFrom('delay', 'autoreply', 'complaint') }) },
    { weight: 2, arbitrary: fc.record({ day: fc.integer({ min: 0, max: days - 1 }), address: fc.constantFrom(...MEMBERS), action: fc.constantFrom('reenable', 'unsubscribe', 'resubscribe', 'reset_score') }) },
  );

const scenarioArb = fc.integer({ min: 1, max: 24 }).chain((days) =>
  fc.record({ list: settingsArb, members: fc.constant(MEMBERS), events: fc.array(eventArb(days), { maxLength: 40 }), days: fc.constant(days) }),
);

describe('DB-backed path agrees with the pure functions', () => {
  it('day by day, for random settings and event sequences', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (input) => {
        const sc = parseScenario(input);
        expect(await runScenario(sc, { database })).toEqual(simulatePure(sc));
      }),
      { numRuns: 30 },
    );
  }, 600_000);

  it("does not depend on the order of a day's bounces", async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb.filter((s) => s.events.length > 1),
        fc.integer({ min: 1, max: 2 ** 30 }),
        async (input, seed) => {
          // Bounces, delays and auto-replies only: actions and complaints change the status, so their place counts.
          const events = input.events.filter((e) => !('action' in e) && !('kind' in e && e.kind === 'complaint'));
          const shuffled = [...events];
          let x = seed;
          for (let i = shuffled.length - 1; i > 0; i--) {
            x = (x * 1103515245 + 12345) % 2 ** 31;
            const j = x % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
          }
          shuffled.sort((a, b) => a.day - b.day); // stable: each day's events stay shuffled
          const a = await runScenario(parseScenario({ ...input, events }), { database });
          const b = await runScenario(parseScenario({ ...input, events: shuffled }), { database });
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 12 },
    );
  }, 600_000);
});
