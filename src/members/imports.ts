// Member imports: all or nothing in one transaction, with a per-row report, progress, and a lease that tells a
// running import from one whose process died.
import { sql } from 'kysely';
import { audit, type Actor } from '../audit.js';
import type { Clock } from '../clock.js';
import type { Db, Engine } from '../db/index.js';
import type { MemberStatus, RefusedRow } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { ParsedImport } from './csv.js';

export interface ImportOutcome {
  added: number;
  refused: RefusedRow[];
}

const CHUNK = 5000;
/** How long a running import's lease lasts, and how often its process renews it. */
export const IMPORT_LEASE_MS = 60_000;
const RENEW_EVERY_MS = 15_000;
export const INTERRUPTED_IMPORT = 'The server stopped during the import; nothing was imported.';
/** What the report page says of any other failure; the cause goes to the log, not to the page. */
export const FAILED_IMPORT = 'The import failed on the server (the log says why); nothing was imported. Try again later.';

/**
 * Inserts the candidates in ONE transaction, in set-based chunks (unnest of arrays); addresses already on the
 * list are refused with their status. A failure rolls everything back: nothing is half-imported.
 * onProgress(done) is called after each chunk. It may write through the root `db`: on PostgreSQL that is another
 * connection (so a progress bar sees it at once); on PGlite, the one session, it joins this transaction.
 */
export async function importMembers(
  db: Db,
  actor: Actor,
  listId: number,
  parsed: ParsedImport,
  opts: { filename?: string; onProgress?: (done: number) => Promise<void> | void } = {},
): Promise<ImportOutcome> {
  const refused = [...parsed.refused];
  // In address order: two imports into one list that share addresses then take their row locks in the same
  // order, so they wait for each other instead of deadlocking (which would fail one of them whole).
  const candidates = [...parsed.candidates].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const added = await db.transaction().execute(async (trx) => {
    let total = 0;
    for (let i = 0; i < candidates.length; i += CHUNK) {
      const chunk = candidates.slice(i, i + CHUNK);
      const addresses = chunk.map((c) => c.address);
      const names = chunk.map((c) => c.displayName);
      const inserted = await sql<{ address: string }>`
        insert into members (list_id, address, display_name, status)
        select ${listId}, a, n, 'enabled' from unnest(${addresses}::text[], ${names}::text[]) as t(a, n)
        on conflict (list_id, address) do nothing
        returning address`.execute(trx);
      total += inserted.rows.length;
      if (inserted.rows.length < chunk.length) {
        const got = new Set(inserted.rows.map((r) => r.address));
        const missing = chunk.filter((c) => !got.has(c.address));
        const existing = await trx
          .selectFrom('members')
          .select(['address', 'status'])
          .where('list_id', '=', listId)
          .where('address', 'in', missing.map((m) => m.address))
          .execute();
        const status = new Map(existing.map((e) => [e.address, e.status as MemberStatus]));
        for (const m of missing) {
          refused.push({ line: m.line, address: m.address, reason: `Already on this list (status: ${status.get(m.address) ?? 'unknown'}).` });
        }
      }
      await opts.onProgress?.(Math.min(i + CHUNK, candidates.length));
    }
    await audit(trx, actor, {
      action: 'members.imported',
      listId,
      details: { filename: opts.filename ?? '', rows: parsed.totalRows, added: total, refused: refused.length },
    });
    return total;
  });
  refused.sort((a, b) => a.line - b.line);
  return { added, refused };
}

export interface ImportContext {
  db: Db;
  logger: Logger;
  clock: Clock;
}

// Imports still running in this process, per database: shutdown waits for them (their transaction would
// otherwise be cut off and rolled back).
const inFlight = new WeakMap<Db, Set<Promise<void>>>();

/** Starts an import whose progress and report are kept in member_imports; returns its id at once. */
export async function startImport(
  ctx: ImportContext,
  actor: Actor,
  listId: number,
  parsed: ParsedImport,
  filename: string,
): Promise<{ id: number; done: Promise<void> }> {
  const { db, logger, clock } = ctx;
  const leaseUntil = () => new Date(clock.now().getTime() + IMPORT_LEASE_MS);
  const job = await db
    .insertInto('member_imports')
    .values({
      list_id: listId,
      staff_id: actor.type === 'staff' ? actor.id : null,
      filename: filename.slice(0, 200),
      total_rows: parsed.totalRows,
      to_insert: parsed.candidates.length,
      refused: JSON.stringify([]),
      lease_until: leaseUntil(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = job.id;
  const renew = setInterval(() => {
    db.updateTable('member_imports')
      .set({ lease_until: leaseUntil() })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .execute()
      .catch((err: unknown) => logger.warn({ err, importId: id }, 'could not renew the import lease'));
  }, RENEW_EVERY_MS);
  renew.unref();
  const done = (async () => {
    try {
      const outcome = await importMembers(db, actor, listId, parsed, {
        filename,
        onProgress: async (n) => {
          await db.updateTable('member_imports').set({ done: n, lease_until: leaseUntil() }).where('id', '=', id).execute();
        },
      });
      await db
        .updateTable('member_imports')
        .set({
          state: 'succeeded',
          done: parsed.candidates.length,
          added: outcome.added,
          refused: JSON.stringify(outcome.refused),
          refused_count: outcome.refused.length,
          finished_at: clock.now(),
          lease_until: null,
        })
        .where('id', '=', id)
        .execute();
    } catch (err) {
      logger.error({ err, listId, importId: id }, 'member import failed; nothing was imported');
      await db
        .updateTable('member_imports')
        .set({
          state: 'failed',
          added: 0,
          refused: JSON.stringify(parsed.refused),
          refused_count: parsed.refused.length,
          error: FAILED_IMPORT,
          finished_at: clock.now(),
          lease_until: null,
        })
        .where('id', '=', id)
        .execute()
        .catch((e: unknown) => logger.error({ err: e }, 'could not record the failed import'));
    } finally {
      clearInterval(renew);
    }
  })();
  let running = inFlight.get(db);
  if (!running) inFlight.set(db, (running = new Set()));
  running.add(done);
  void done.finally(() => running.delete(done));
  return { id, done };
}

/** Resolves when every import this process started on `db` has finished (for a clean shutdown). */
export async function importsFinished(db: Db): Promise<void> {
  await Promise.all([...(inFlight.get(db) ?? [])]);
}

export async function getImport(db: Db, listId: number, importId: number) {
  return db
    .selectFrom('member_imports')
    .selectAll()
    .where('id', '=', importId)
    .where('list_id', '=', listId)
    .executeTakeFirst();
}

/**
 * Marks as failed the imports whose process died: their transaction was rolled back, so nothing was imported.
 * On PostgreSQL that is an import whose lease ran out (another instance may be running one). PGlite belongs to
 * one process at a time (the data folder is locked), so at start every import still marked running is dead.
 */
export async function repairInterruptedImports(
  ctx: { db: Db; engine: Engine; clock: Clock },
  opts: { atStart?: boolean } = {},
): Promise<number> {
  let q = ctx.db
    .updateTable('member_imports')
    .set({ state: 'failed', added: 0, error: INTERRUPTED_IMPORT, finished_at: ctx.clock.now(), lease_until: null })
    .where('state', '=', 'running');
  if (!(opts.atStart && ctx.engine === 'pglite')) {
    // Rows from before leases existed have none: they are as dead as an expired one.
    q = q.where((eb) => eb.or([eb('lease_until', '<', ctx.clock.now()), eb('lease_until', 'is', null)]));
  }
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows);
}
