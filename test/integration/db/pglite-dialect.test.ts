// The embedded engine's one session: serialised, and never waiting on itself.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../../src/db/index.js';

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await openDatabase({ databaseUrl: null, dataDir: null });
  await sql`create table t (id int primary key, note text)`.execute(handle.db);
});
afterAll(async () => {
  await handle?.close();
});

const notes = async () =>
  (await handle.db.selectFrom('t' as never).select(sql<string>`note`.as('note')).orderBy(sql`id`).execute()).map((r) => r.note);

async function reset() {
  await sql`truncate t`.execute(handle.db);
}

describe('PGlite dialect', () => {
  it('a query through the root db inside a transaction runs in that transaction instead of waiting for ever', async () => {
    await reset();
    const seen = await handle.db.transaction().execute(async (trx) => {
      await sql`insert into t values (1, 'in trx')`.execute(trx);
      // The import's progress write did this: it hung every page of `npm start`.
      await sql`insert into t values (2, 'through db')`.execute(handle.db);
      return (await sql<{ n: number }>`select count(*)::int as n from t`.execute(handle.db)).rows[0].n;
    });
    expect(seen).toBe(2);
    expect(await notes()).toEqual(['in trx', 'through db']);
  });

  it('work joined to a transaction rolls back with it', async () => {
    await reset();
    await expect(
      handle.db.transaction().execute(async (trx) => {
        await sql`insert into t values (1, 'a')`.execute(trx);
        await sql`insert into t values (2, 'b')`.execute(handle.db);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await notes()).toEqual([]);
  });

  it('a transaction begun inside a transaction is a savepoint: its rollback keeps the outer work', async () => {
    await reset();
    await handle.db.transaction().execute(async (trx) => {
      await sql`insert into t values (1, 'outer')`.execute(trx);
      await expect(
        handle.db.transaction().execute(async (inner) => {
          await sql`insert into t values (2, 'inner')`.execute(inner);
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await handle.db.transaction().execute(async (inner) => {
        await sql`insert into t values (3, 'inner kept')`.execute(inner);
      });
    });
    expect(await notes()).toEqual(['outer', 'inner kept']);
  });

  it('independent transactions take turns: neither sees the other half-done, and one failing does not undo the other', async () => {
    await reset();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = handle.db.transaction().execute(async (trx) => {
      await sql`insert into t values (1, 'first')`.execute(trx);
      await gate;
      throw new Error('first fails');
    });
    // Started from outside the first transaction's context: it must wait its turn, not join.
    const second = handle.db.transaction().execute(async (trx) => {
      await sql`insert into t values (2, 'second')`.execute(trx);
    });
    setTimeout(release, 50);
    await expect(first).rejects.toThrow('first fails');
    await second;
    expect(await notes()).toEqual(['second']);
  });

  it('a query from the code that started a transaction waits for it: the transaction\'s context does not leak out', async () => {
    await reset();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const started = new Promise<void>((r) => (inside = r));
    const tx = handle.db.transaction().execute(async (trx) => {
      await sql`insert into t values (1, 'in trx')`.execute(trx);
      inside();
      await held;
      throw new Error('rolled back');
    });
    await started;
    const outside = sql<{ n: number }>`select count(*)::int as n from t`.execute(handle.db);
    // Were it joined to the transaction, it would answer at once and see the uncommitted row.
    const early = await Promise.race([outside.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 200))]);
    expect(early).toBe('waiting');
    release();
    await expect(tx).rejects.toThrow('rolled back');
    expect((await outside).rows[0].n).toBe(0);
  });

  it('work started inside a transaction but run after it ended uses the session normally', async () => {
    await reset();
    let later!: Promise<unknown>;
    await handle.db.transaction().execute(async (trx) => {
      await sql`insert into t values (1, 'trx')`.execute(trx);
      later = new Promise((r) => setTimeout(r, 20)).then(() => sql`insert into t values (2, 'after')`.execute(handle.db));
    });
    await later;
    await expect(
      handle.db.transaction().execute(async () => {
        throw new Error('unrelated rollback');
      }),
    ).rejects.toThrow();
    expect(await notes()).toEqual(['trx', 'after']);
  });

  it('reports affected rows like pg does', async () => {
    await reset();
    await sql`insert into t values (1, 'x'), (2, 'y')`.execute(handle.db);
    const res = await handle.db.updateTable('t' as never).set({ note: 'z' } as never).executeTakeFirst();
    expect(res.numUpdatedRows).toBe(2n);
    const none = await handle.db.deleteFrom('t' as never).where(sql`id`, '=', 99).executeTakeFirst();
    expect(none.numDeletedRows).toBe(0n);
  });
});
