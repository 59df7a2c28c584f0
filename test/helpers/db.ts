// A fresh, migrated database per test file: real PostgreSQL (from the harness) or PGlite in memory.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/index.js';
import { migrate } from '../../src/db/migrate.js';

export interface TestDatabase extends DatabaseHandle {
  url: string | null;
  /** Closes the connection and drops the database. */
  drop(): Promise<void>;
}

function adminUrl(): string {
  // Provided by test/env/global-setup.ts; DATABASE_URL is a fallback for running a file alone.
  const provided = (inject as (k: string) => unknown)('pgAdminUrl') as string | undefined;
  return provided ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A new database on the harness's PostgreSQL, cloned from the migrated template when there is one. */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const admin = adminUrl();
  const template = (inject as (k: string) => unknown)('pgTemplateDb') as string | undefined;
  // The harness drops every database with its run prefix at teardown, even if a test forgot drop().
  const prefix = ((inject as (k: string) => unknown)('pgDbPrefix') as string | undefined) ?? 'lk_test_';
  const name = `${prefix}${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(template ? `create database ${name} template ${template}` : `create database ${name}`);
  } finally {
    await client.end();
  }
  const url = withDatabase(admin, name);
  const handle = await openDatabase({ databaseUrl: url, dataDir: null });
  if (!template) await migrate(handle.db);
  return {
    ...handle,
    url,
    async drop() {
      await handle.close();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** An in-memory PGlite, migrated: loaded from the harness's migrated template when there is one. */
export async function createPgliteDatabase(): Promise<TestDatabase> {
  const template = (inject as (k: string) => unknown)('pgliteTemplate') as string | undefined;
  if (template && existsSync(template)) {
    const handle = await openDatabase({ databaseUrl: null, dataDir: null, loadDataDir: new Blob([readFileSync(template)]) });
    return { ...handle, url: null, drop: () => handle.close() };
  }
  const handle = await openDatabase({ databaseUrl: null, dataDir: null });
  await migrate(handle.db);
  return { ...handle, url: null, drop: () => handle.close() };
}
