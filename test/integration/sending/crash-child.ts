// Child process for crash.test.ts: runs the sender against the test's database and sink until it is killed.
import { systemClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/index.js';
import { createLogger } from '../../../src/logger.js';
import { Sender } from '../../../src/sending/worker.js';

const config = loadConfig(process.env);
const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: null });
const ctx = { config, db: handle.db, engine: handle.engine, clock: systemClock(), logger: createLogger('silent') };
new Sender(ctx, { lanes: 2, batchSize: 20, idleMs: 50 }).start();
process.send?.('started');
