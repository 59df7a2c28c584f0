// kill -9 in the middle of a CSV import, on both engines: nothing of it is imported, and the import is marked
// failed as soon as its lease shows its process is gone (at once at start on PGlite, which one process owns).
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../../src/clock.js';
import { openDatabase, type DatabaseHandle } from '../../../src/db/index.js';
import { migrate } from '../../../src/db/migrate.js';
import { getImport, IMPORT_LEASE_MS, INTERRUPTED_IMPORT, repairInterruptedImports } from '../../../src/members/imports.js';
import { createTestContext, testConfig, type TestContext } from '../../helpers/context.js';

const ROWS = 400_000;

/** Runs the import in a child and kills it (SIGKILL) once its transaction is under way. */
async function importThenKill(env: Record<string, string>): Promise<number> {
  const child = fork(path.join(import.meta.dirname, 'import-child.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env, TEST_ROWS: String(ROWS), LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const importId = await new Promise<number>((resolve, reject) => {
    child.on('message', (m: { importId?: number; finished?: boolean }) => {
      if (m.importId) setTimeout(() => resolve(m.importId as number), 300);
      if (m.finished) reject(new Error('the import finished before the kill: make it bigger'));
    });
    child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGKILL');
  await exited;
  return importId;
}

const count = async (h: { db: DatabaseHandle['db'] }, listId: number) =>
  Number((await h.db.selectFrom('members').select(({ fn }) => fn.countAll<number>().as('n')).where('list_id', '=', listId).executeTakeFirstOrThrow()).n);

describe('an import killed mid-way', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });

  it('on PostgreSQL: nothing imported; failed once its lease has run out, not before', async () => {
    const ctx: TestContext = await createTestContext({ engine: 'postgres' });
    closers.push(() => ctx.close());
    const list = await ctx.db.insertInto('lists').values({ name: 'crashpg', display_name: 'Crash', threshold: 5, blocked_weight: 0 }).returning('id').executeTakeFirstOrThrow();
    const importId = await importThenKill({ DATABASE_URL: ctx.database.url!, DATA_DIR: ctx.config.dataDir, SECRET_KEY: ctx.config.secretKey, TEST_LIST_ID: String(list.id) });
    expect(await count(ctx, list.id)).toBe(0);
    const clock = manualClock(new Date().toISOString());
    // Another instance may still be running it as far as anyone can tell: left alone.
    expect(await repairInterruptedImports({ ...ctx, clock })).toBe(0);
    expect((await getImport(ctx.db, list.id, importId))?.state).toBe('running');
    clock.set(new Date(clock.now().getTime() + IMPORT_LEASE_MS + 1000));
    expect(await repairInterruptedImports({ ...ctx, clock })).toBe(1);
    expect(await getImport(ctx.db, list.id, importId)).toMatchObject({ state: 'failed', added: 0, error: INTERRUPTED_IMPORT });
  }, 120_000);

  it('on PGlite: nothing imported; the next start marks it failed at once', async () => {
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'lk-import-crash-')), 'pglite');
    let handle = await openDatabase({ databaseUrl: null, dataDir });
    await migrate(handle.db);
    const list = await handle.db.insertInto('lists').values({ name: 'crashlite', display_name: 'Crash', threshold: 5, blocked_weight: 0 }).returning('id').executeTakeFirstOrThrow();
    await handle.close();
    const config = testConfig();
    const importId = await importThenKill({ TEST_PGLITE_DIR: dataDir, DATA_DIR: config.dataDir, SECRET_KEY: config.secretKey, TEST_LIST_ID: String(list.id) });
    // The dead child's lock is taken over.
    handle = await openDatabase({ databaseUrl: null, dataDir });
    closers.push(() => handle.close());
    expect(await count(handle, list.id)).toBe(0);
    expect(await repairInterruptedImports({ db: handle.db, engine: 'pglite', clock: manualClock(new Date().toISOString()) }, { atStart: true })).toBe(1);
    expect(await getImport(handle.db, list.id, importId)).toMatchObject({ state: 'failed', added: 0, error: INTERRUPTED_IMPORT });
  }, 120_000);
});
