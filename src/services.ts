// The plain container every front door receives: Fastify, the job scheduler, the IMAP poller and the CLIs.
// Service functions take this context (or just its db) as their first argument.
import path from 'node:path';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { DataLock } from './db/data-lock.js';
import { openDatabase, type DatabaseHandle, type Db, type Engine } from './db/index.js';
import { migrate } from './db/migrate.js';
import { createLogger, type Logger } from './logger.js';

export interface AppContext {
  config: Config;
  db: Db;
  engine: Engine;
  clock: Clock;
  logger: Logger;
}

export interface Services extends AppContext {
  /** The embedded database folder's lock, when this process owns one (advertise the HTTP address on it). */
  dataLock?: DataLock;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  clock?: Clock;
  logger?: Logger;
  /** Use an already open database (tests); it is not closed by close(). */
  db?: { db: Db; engine: Engine };
  /** Apply pending migrations at start (default true). */
  migrate?: boolean;
}

export async function createServices(config: Config, opts: CreateServicesOptions = {}): Promise<Services> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const owned: DatabaseHandle | null = opts.db
    ? null
    : await openDatabase({ databaseUrl: config.databaseUrl, dataDir: path.join(config.dataDir, 'pglite') });
  const { db, engine } = opts.db ?? (owned as DatabaseHandle);
  if (opts.migrate !== false) {
    try {
      const applied = await migrate(db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    } catch (err) {
      await owned?.close();
      throw err;
    }
  }
  return {
    config,
    db,
    engine,
    dataLock: owned?.lock,
    clock: opts.clock ?? systemClock(config.timeZone),
    logger,
    async close() {
      await owned?.close();
    },
  };
}
