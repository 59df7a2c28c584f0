// Child process of outbox-crash.test.ts: a sender writing to the file outbox (no SMTP_URL) on the test's
// PostgreSQL (DATABASE_URL) or on a PGlite folder (PGLITE_DIR), until it is killed.
import path from 'node:path';
import { systemClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/index.js';
import { createLogger } from '../../../src/logger.js';
import { Sender } from '../../../src/sending/worker.js';

const config = loadConfig(process.env);
const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? null : path.join(config.dataDir, 'pglite') });
const ctx = { config, db: handle.db, engine: handle.engine, clock: systemClock(), logger: createLogger('silent') };
new Sender(ctx, { lanes: 2, batchSize: 40, idleMs: 50 }).start();
process.send?.('started');
