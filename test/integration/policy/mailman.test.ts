// Mailman compatibility: with hard bounces only, a list behaves day for day as GNU Mailman 2.1's bounce
// processing does. The reference below transcribes Mailman's Bouncer.registerBounce, disableBouncingMember,
// sendNextNotification and cron/disabled, in days.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../../src/dates.js';
import { runScenario } from '../../../src/jobs/simulation.js';
import { parseScenario, SIMULATION_DAY0 } from '../../../src/policy/scenario.js';
import { createPostgresDatabase, type TestDatabase } from '../../helpers/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createPostgresDatabase(); // production's engine (timelines.test.ts runs the simulator's PGlite)
}, 120_000);
afterAll(async () => database?.drop());

interface MailmanSettings {
  bounce_score_threshold: number;
  bounce_info_stale_after: number;
  bounce_you_are_disabled_warnings: number;
  bounce_you_are_disabled_warnings_interval: number;
}

interface BounceInfo {
  score: number;
  date: number;
  noticesleft: number;
  lastnotice: number;
}

type Status = 'enabled' | 'disabled_by_bounce' | 'removed';

/** GNU Mailman 2.1 bounce processing, one member, days as integers. */
function mailman(settings: MailmanSettings, bounceDays: Set<number>, days: number) {
  let status: Status = 'enabled';
  let info: BounceInfo | null = null;
  const out: Array<{ status: Status; score: number; notices: string[] }> = [];
  const ZEROHOUR = -1_000_000;
  for (let day = 0; day < days; day++) {
    const notices: string[] = [];
    const sendNextNotification = () => {
      if (info!.noticesleft <= 0) {
        status = 'removed';
        notices.push('removed');
        return;
      }
      notices.push(notices.length === 0 && info!.lastnotice === ZEROHOUR ? 'disabled' : 'warning');
      info!.noticesleft -= 1;
      info!.lastnotice = day;
    };
    // Bouncer.registerBounce
    if (bounceDays.has(day) && status === 'enabled') {
      if (info === null) {
        info = { score: 1, date: day, noticesleft: settings.bounce_you_are_disabled_warnings, lastnotice: ZEROHOUR };
      } else if (info.date + settings.bounce_info_stale_after < day) {
        info.score = 1; // info.reset(weight, day, noticesleft)
        info.date = day;
        info.noticesleft = settings.bounce_you_are_disabled_warnings;
      } else if (info.date === day) {
        // already scored a bounce for this day
      } else {
        info.score += 1;
        info.date = day;
      }
      if (info.score >= settings.bounce_score_threshold) {
        // disableBouncingMember
        status = 'disabled_by_bounce';
        info.noticesleft = settings.bounce_you_are_disabled_warnings;
        info.lastnotice = ZEROHOUR;
        sendNextNotification();
      }
    }
    // cron/disabled, once a day
    if (status === 'disabled_by_bounce' && info!.lastnotice + settings.bounce_you_are_disabled_warnings_interval <= day) {
      sendNextNotification();
    }
    out.push({ status, score: info?.score ?? 0, notices });
  }
  return out;
}

const A = 'a@example.org';

async function compare(settings: MailmanSettings, bounceDays: number[], days: number) {
  const sc = parseScenario({
    list: {
      threshold: settings.bounce_score_threshold,
      stale_after_days: settings.bounce_info_stale_after,
      warnings: settings.bounce_you_are_disabled_warnings,
      warning_interval_days: settings.bounce_you_are_disabled_warnings_interval,
    },
    members: [A],
    events: bounceDays.map((day) => ({ day, address: A, category: 'hard' })),
    days,
  });
  const ours = await runScenario(sc, { database });
  const theirs = mailman(settings, new Set(bounceDays), days);
  for (let day = 0; day < days; day++) {
    const o = ours.days[day];
    const m = theirs[day];
    const where = `day ${day} (${addDays(SIMULATION_DAY0, day)})`;
    expect(o.members[A].status, where).toBe(m.status);
    if (m.status !== 'removed') expect(o.members[A].score, where).toBe(m.score);
    expect(o.notices.filter((n) => n.to === 'member').map((n) => n.type), where).toEqual(m.notices);
  }
}

const DEFAULTS: MailmanSettings = {
  bounce_score_threshold: 5,
  bounce_info_stale_after: 7,
  bounce_you_are_disabled_warnings: 3,
  bounce_you_are_disabled_warnings_interval: 7,
};

describe('Mailman compatibility with hard bounces only', () => {
  it('matches Mailman on its defaults, bouncing daily', async () => {
    await compare(DEFAULTS, Array.from({ length: 30 }, (_, i) => i), 40);
  });

  it('matches Mailman day for day on random bounce days and settings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          bounce_score_threshold: fc.integer({ min: 1, max: 6 }),
          bounce_info_stale_after: fc.integer({ min: 1, max: 9 }),
          bounce_you_are_disabled_warnings: fc.integer({ min: 0, max: 3 }),
          bounce_you_are_disabled_warnings_interval: fc.integer({ min: 1, max: 6 }),
        }),
        fc.uniqueArray(fc.integer({ min: 0, max: 34 }), { maxLength: 25 }),
        async (settings, bounceDays) => compare(settings, bounceDays, 35),
      ),
      { numRuns: 15 },
    );
  }, 600_000);
});
