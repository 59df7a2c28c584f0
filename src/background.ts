// Long-running workers started next to the web server: the bounce job scheduler, the IMAP pollers, the send queue.
// Each returns a stop function that finishes the work in hand.
import { startPollers } from './intake/poller.js';
import { repairInterruptedImports } from './members/imports.js';
import { startScheduler } from './jobs/scheduler.js';
import { startSender } from './sending/worker.js';
import type { AppContext } from './services.js';

export type Stop = () => Promise<void>;

export async function startBackground(ctx: AppContext): Promise<Stop> {
  const stops: Stop[] = [];
  stops.push(await startImportRepair(ctx));
  // The job is idempotent: running it at start catches up after downtime (spec section 4.3).
  stops.push(startScheduler(ctx, { runAtStart: true }));
  stops.push(startPollers(ctx).stop);
  const sender = startSender(ctx);
  stops.push(() => sender.stop());
  return async () => {
    // Stop in reverse order of start, each given its chance even if another fails.
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
}

const IMPORT_REPAIR_EVERY_MS = 30_000;

/** Closes imports whose process died (their lease ran out): at start, then every 30 s on PostgreSQL. */
async function startImportRepair(ctx: AppContext): Promise<Stop> {
  const repair = async (atStart: boolean) => {
    const n = await repairInterruptedImports(ctx, { atStart });
    if (n > 0) ctx.logger.warn({ imports: n }, 'closed imports interrupted by a stopped server; nothing of them was imported');
  };
  await repair(true).catch((err: unknown) => ctx.logger.warn({ err }, 'could not close interrupted imports'));
  // PGlite belongs to this process alone: nothing else can leave an import behind while it runs.
  if (ctx.engine === 'pglite') return async () => {};
  const timer = setInterval(() => {
    repair(false).catch((err: unknown) => ctx.logger.warn({ err }, 'could not close interrupted imports'));
  }, IMPORT_REPAIR_EVERY_MS);
  timer.unref();
  return async () => clearInterval(timer);
}
