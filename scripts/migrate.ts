// `npm run migrate`: apply pending migrations to the configured database (DATABASE_URL, else the embedded one).
import path from 'node:path';
import { loadConfig, loadDotEnv } from '../src/config.js';
import { DataFolderInUseError } from '../src/db/data-lock.js';
import { openDatabase } from '../src/db/index.js';
import { migrate } from '../src/db/migrate.js';

// Files this process creates in the data folder are the owner's alone (secret, database).
process.umask(0o077);
loadDotEnv();
const config = loadConfig();
let handle;
try {
  handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite') });
} catch (err) {
  if (!(err instanceof DataFolderInUseError)) throw err;
  console.error(`migrate: ${err.message}. The server applies pending migrations itself at every start.`);
  process.exit(1);
}
try {
  const applied = await migrate(handle.db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} finally {
  await handle.close();
}
