// node-cron wiring: the bounce job on ctx.config.jobSchedule (default hourly) in the configured time zone.
import cron from 'node-cron';
import type { AppContext } from '../services.js';
import { runBounceJob, type BounceJobOptions } from './bounce-job.js';

/** Starts the schedule; returns a function that stops it (and waits for a run in progress). */
export interface SchedulerOptions extends BounceJobOptions {
  /** Also run once now, so a start after downtime catches up without waiting for the next tick. */
  runAtStart?: boolean;
}

export function startScheduler(ctx: AppContext, opts: SchedulerOptions = {}): () => Promise<void> {
  let current: Promise<unknown> | null = null;
  const tick = async () => {
    if (current) return;
    current = runBounceJob(ctx, opts)
      .catch((err: unknown) => ctx.logger.error({ err }, 'bounce job crashed'))
      .finally(() => {
        current = null;
      });
    await current;
  };
  const task = cron.schedule(ctx.config.jobSchedule, tick, { timezone: ctx.config.timeZone, noOverlap: true, name: 'bounce-job' });
  if (opts.runAtStart) void tick();
  ctx.logger.info({ schedule: ctx.config.jobSchedule }, 'bounce job scheduled');
  return async () => {
    await task.stop();
    await task.destroy();
    if (current) await current;
  };
}
