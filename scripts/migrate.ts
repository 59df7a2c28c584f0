// `npm run migrate`: apply pending migrations to the configured database (DATABASE_URL, else the embedded one).
import path from 'node:path';
import { loadConfig, loadDotEnv } from '../src/config.js';
import { openDatabase } from '../src/db/index.js';
import { migrate } from '../src/db/migrate.js';

loadDotEnv();
const config = loadConfig();
const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite') });
try {
  const applied = await migrate(handle.db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} finally {
  await handle.close();
}
