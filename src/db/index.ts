// One Kysely instance over PostgreSQL (pg) when DATABASE_URL is set, else an embedded PGlite.
// Both engines are made to return the same JS types: int8 and numeric as numbers, date as 'YYYY-MM-DD',
// bytea as Buffer.
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { acquireDataLock, type DataLock } from './data-lock.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Engine = 'postgres' | 'pglite';

export interface DatabaseHandle {
  db: Db;
  engine: Engine;
  /** The embedded database folder's lock (PGlite with a data folder only). */
  lock?: DataLock;
  /** PGlite only: the whole database as a tarball (for `loadDataDir`). */
  dump?: () => Promise<Blob>;
  close(): Promise<void>;
}

const OID = { INT8: 20, NUMERIC: 1700, DATE: 1082 } as const;

const toNumber = (v: string): number => Number(v);
const asIs = (v: string): string => v;
// bytea as a Buffer on both engines (pg's default; PGlite would give a plain Uint8Array).
const hexToBuffer = (v: string): Buffer => Buffer.from(v.slice(2), 'hex');
// And written in one native hex pass: PGlite's own serializer formats it a byte at a time (seconds and
// gigabytes for a 25 MB bounce). The intake's raw messages take a faster base64 path still (pipeline.ts).
const bufferToHex = (v: unknown): string => {
  const bytes = v as Uint8Array;
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
};

export interface DatabaseOptions {
  databaseUrl: string | null;
  /** PGlite data folder; null = in memory. Ignored for PostgreSQL. */
  dataDir: string | null;
  poolSize?: number;
  /** PGlite only: start from this dump (`dumpDataDir()`), e.g. a migrated template for tests. */
  loadDataDir?: Blob;
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
  const { createPgliteKysely } = await import('./pglite-dialect.js');
  let lock: DataLock | undefined;
  if (opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    // Throws DataFolderInUseError while another live process has the folder open.
    lock = acquireDataLock(`${opts.dataDir}.lock`);
  }
  let client;
  try {
    client = await PGlite.create({
      dataDir: opts.dataDir ?? undefined,
      loadDataDir: opts.loadDataDir,
      extensions: { pg_trgm },
      parsers: { [types.INT8]: toNumber, [types.NUMERIC]: toNumber, [types.DATE]: asIs, [types.BYTEA]: hexToBuffer },
      serializers: { [types.BYTEA]: bufferToHex },
    });
  } catch (err) {
    lock?.release();
    throw err;
  }
  if (opts.dataDir) keepPrivate(opts.dataDir);
  const pglite = client;
  const db = createPgliteKysely<Database>(pglite);
  return {
    db,
    engine: 'pglite',
    lock,
    dump: () => pglite.dumpDataDir('none'),
    close: async () => {
      try {
        await db.destroy();
        if (!pglite.closed) await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * PGlite unpacks a new cluster with files of mode 0666 whatever the umask (the files PostgreSQL itself creates
 * later are 0600): database files are the owner's alone.
 */
function keepPrivate(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const { mode } = statSync(file);
    if ((mode & 0o077) !== 0) chmodSync(file, entry.isDirectory() ? 0o700 : 0o600);
  }
  chmodSync(dir, 0o700);
}

export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
