// Child process for import-crash.test.ts: starts a big import on the test's database and says so, then is killed.
import { systemClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/index.js';
import { createLogger } from '../../../src/logger.js';
import { startImport } from '../../../src/members/imports.js';

const config = loadConfig(process.env);
const dataDir = process.env.TEST_PGLITE_DIR ?? null;
const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir });
const listId = Number(process.env.TEST_LIST_ID);
const rows = Number(process.env.TEST_ROWS);
const candidates = Array.from({ length: rows }, (_, i) => ({ line: i + 1, address: `crash${i}@example.org`, displayName: `C ${i}` }));
const job = await startImport(
  { db: handle.db, logger: createLogger('silent'), clock: systemClock() },
  { type: 'system', id: null, label: 'test' },
  listId,
  { candidates, refused: [], totalRows: rows },
  'big.csv',
);
process.send?.({ importId: job.id });
await job.done;
process.send?.({ finished: true });
