// Child process of job-killed.test.ts: runs the bounce job slowly (one member a batch) so the test can kill it.
import { manualClock } from '../../../src/clock.js';
import { openDatabase } from '../../../src/db/index.js';
import { runBounceJob } from '../../../src/jobs/bounce-job.js';
import { createLogger } from '../../../src/logger.js';

const [url, today, listId, stop] = process.argv.slice(2);
const stopAfter = Number(stop ?? 3);
let batches = 0;
const handle = await openDatabase({ databaseUrl: url, dataDir: null });
await runBounceJob(
  { db: handle.db, engine: handle.engine, clock: manualClock(`${today}T10:00:00Z`), logger: createLogger('silent') },
  {
    listIds: [Number(listId)],
    batchSize: 1,
    concurrency: 1, // one worker, so "half-way" is a known point
    onBatch: async (b) => {
      batches += 1;
      process.stdout.write(`batch ${b.step}\n`);
      // Half-way: wait here (holding the lock, batches committed so far) until the test kills the process.
      if (batches === stopAfter) await new Promise(() => setInterval(() => {}, 1000));
    },
  },
);
process.stdout.write('done\n');
await handle.close();
