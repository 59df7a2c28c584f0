// One Kysely instance over PostgreSQL (pg) when DATABASE_URL is set, else an embedded PGlite.
// Both engines are made to return the same JS types: int8 and numeric as numbers, date as 'YYYY-MM-DD',
// bytea as Buffer.
import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Engine = 'postgres' | 'pglite';

export interface DatabaseHandle {
  db: Db;
  engine: Engine;
  close(): Promise<void>;
}

const OID = { INT8: 20, NUMERIC: 1700, DATE: 1082 } as const;

const toNumber = (v: string): number => Number(v);
const asIs = (v: string): string => v;
// bytea as a Buffer on both engines (pg's default; PGlite would give a plain Uint8Array).
const hexToBuffer = (v: string): Buffer => Buffer.from(v.slice(2), 'hex');

export interface DatabaseOptions {
  databaseUrl: string | null;
  /** PGlite data folder; null = in memory. Ignored for PostgreSQL. */
  dataDir: string | null;
  poolSize?: number;
}

export async function openDatabase(opts: DatabaseOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) {
    const parsers: Record<number, (v: string) => unknown> = {
      [OID.INT8]: toNumber,
      [OID.NUMERIC]: toNumber,
      [OID.DATE]: asIs,
    };
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          parsers[oid] ?? pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its connection (DB restart) must not crash the process.
    pool.on('error', () => {});
    // Same for a checked-out client whose backend is terminated mid-transaction: the query rejects; the
    // 'error' event it also emits must not become an uncaught exception.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  const { PGlite, types } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { PgliteDialect } = await import('./pglite-dialect.js');
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const client = await PGlite.create({
    dataDir: opts.dataDir ?? undefined,
    extensions: { pg_trgm },
    parsers: { [types.INT8]: toNumber, [types.NUMERIC]: toNumber, [types.DATE]: asIs, [types.BYTEA]: hexToBuffer },
  });
  const db = new Kysely<Database>({ dialect: new PgliteDialect(client) });
  return {
    db,
    engine: 'pglite',
    close: async () => {
      await db.destroy();
      if (!client.closed) await client.close();
    },
  };
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
