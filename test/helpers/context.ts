// Build an AppContext for tests: real database, manual clock, quiet logger, validated config.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manualClock, type ManualClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { AppContext } from '../../src/services.js';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from './db.js';

/** The two engines the app runs on; integration tests of the paths people use run on both. */
export const ENGINES = ['postgres', 'pglite'] as const;

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'lk-test-data-')),
    SECRET_KEY: 'test-secret-key-0123456789abcdefghijklmnop',
    BOUNCE_DOMAIN: 'lists.example.test',
    BASE_URL: 'http://localhost:3000',
    ...env,
  });
}

export interface TestContext extends AppContext {
  clock: ManualClock;
  database: TestDatabase;
  close(): Promise<void>;
}

export async function createTestContext(
  opts: { engine?: 'postgres' | 'pglite'; env?: Record<string, string>; start?: string } = {},
): Promise<TestContext> {
  const database = opts.engine === 'pglite' ? await createPgliteDatabase() : await createPostgresDatabase();
  const config = testConfig({ ...(database.url ? { DATABASE_URL: database.url } : {}), ...(opts.env ?? {}) });
  return {
    config,
    db: database.db,
    engine: database.engine,
    clock: manualClock(opts.start ?? '2026-01-01T12:00:00Z', config.timeZone),
    logger: createLogger(config.logLevel),
    database,
    close: () => database.drop(),
  };
}
