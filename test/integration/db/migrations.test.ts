// Migrations on an empty database, on both engines, twice; and the CHECK constraints that guard policy values.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle, type Engine } from '../../../src/db/index.js';
import { migrate, MIGRATIONS_DIR } from '../../../src/db/migrate.js';

const migrationNames = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^\d+.*\.ts$/.test(f))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** An EMPTY database (not cloned from the migrated template). */
async function emptyDatabase(engine: Engine): Promise<DatabaseHandle & { drop(): Promise<void> }> {
  if (engine === 'pglite') {
    const h = await openDatabase({ databaseUrl: null, dataDir: null });
    return { ...h, drop: () => h.close() };
  }
  const name = `${inject('pgDbPrefix')}empty_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${name}`;
  const h = await openDatabase({ databaseUrl: url.toString(), dataDir: null });
  return {
    ...h,
    async drop() {
      await h.close();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

async function checkError(p: Promise<unknown>): Promise<{ code?: string; constraint?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; constraint?: string };
  }
  throw new Error('the statement was accepted');
}

describe.each(['postgres', 'pglite'] as const)('migrations on %s', (engine) => {
  let h: Awaited<ReturnType<typeof emptyDatabase>>;
  beforeAll(async () => {
    h = await emptyDatabase(engine);
  }, 120_000); // PGlite compiles its WASM per process: seconds on an idle machine, a minute on a loaded one
  afterAll(async () => {
    await h?.drop();
  });

  test('apply every migration on an empty database, then nothing the second time', async () => {
    expect(await migrate(h.db)).toEqual(migrationNames);
    expect(await migrate(h.db)).toEqual([]);
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public'`.execute(h.db);
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['lists', 'members', 'bounce_events', 'inbound_messages', 'deliveries', 'notices', 'audit_log']),
    );
  });

  const bad: [string, Record<string, unknown>][] = [
    ['threshold 0', { threshold: 0 }],
    ['threshold -1', { threshold: -1 }],
    ['blocked_weight 0.3', { blocked_weight: 0.3 }],
    ['blocked_weight 1', { blocked_weight: 1 }],
    ['warnings -1', { warnings: -1 }],
    ['stale_after_days 0', { stale_after_days: 0 }],
    ['warning_interval_days 0', { warning_interval_days: 0 }],
    ['a name with spaces', { name: 'Bad Name' }],
  ];
  test.each(bad)('a list with %s is refused by a CHECK constraint', async (_label, values) => {
    const err = await checkError(
      h.db
        .insertInto('lists')
        .values({ name: `l${randomBytes(3).toString('hex')}`, display_name: 'L', threshold: 5, blocked_weight: 0, ...values })
        .execute(),
    );
    expect(err.code).toBe('23514'); // check_violation
  });

  test('good policy values are accepted, and a member address must be normalised', async () => {
    const list = await h.db
      .insertInto('lists')
      .values({ name: `ok${randomBytes(3).toString('hex')}`, display_name: 'OK', threshold: 2.5, blocked_weight: 0.5, warnings: 0 })
      .returning(['id', 'threshold', 'blocked_weight'])
      .executeTakeFirstOrThrow();
    expect(list).toMatchObject({ threshold: 2.5, blocked_weight: 0.5 });
    const err = await checkError(
      h.db.insertInto('members').values({ list_id: list.id, address: 'Alice@Example.org', score: 0, last_bounce_increment: 0 }).execute(),
    );
    expect(err.code).toBe('23514');
  });
});
