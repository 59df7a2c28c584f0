// Long-running workers started next to the web server: the bounce job scheduler, the IMAP pollers, the send queue.
// Each returns a stop function that finishes the work in hand.
import { startPollers } from './intake/poller.js';
import { startScheduler } from './jobs/scheduler.js';
import { startSender } from './sending/worker.js';
import type { AppContext } from './services.js';

export type Stop = () => Promise<void>;

export async function startBackground(ctx: AppContext): Promise<Stop> {
  const stops: Stop[] = [];
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
