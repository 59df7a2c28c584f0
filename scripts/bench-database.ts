// A throwaway PostgreSQL database for a benchmark, through the test harness (test/env/services.ts):
// DATABASE_URL if it answers, else the server on 127.0.0.1:5432, else a temporary cluster of our own.
import { randomBytes } from 'node:crypto';
import {
  adminQuery,
  ensureDebianPackages,
  findExistingPostgres,
  makeRoot,
  removeRoot,
  startTempPostgres,
  withDatabase,
} from '../test/env/services.js';

export interface BenchDatabase {
  /** The benchmark's own database. */
  url: string;
  /** A URL on the same server where CREATE/DROP DATABASE work. */
  adminUrl: string;
  source: string;
  /** Drops the database (unless kept) and stops a temporary cluster. */
  release(): Promise<void>;
}

/** `reuse` names an existing database to measure again and keep (development only). */
export async function benchDatabase(prefix: string, opts: { reuse?: string | null } = {}): Promise<BenchDatabase> {
  const found = await findExistingPostgres();
  let adminUrl: string;
  let source: string;
  let stopServer = async () => {};
  if (found) {
    adminUrl = found.url;
    source = found.source;
  } else {
    await ensureDebianPackages({ needPostgres: true, log: (m) => console.error(m), only: ['postgresql'], command: `npm run ${prefix.replace(/^lk_bench_/, 'bench:')}` });
    const root = await makeRoot();
    const svc = await startTempPostgres(root, () => {});
    adminUrl = svc.adminUrl;
    source = svc.source;
    stopServer = async () => {
      await svc.stop();
      await removeRoot(root);
    };
  }
  const name = opts.reuse ?? `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  if (!opts.reuse) await adminQuery(adminUrl, `create database ${name}`);
  return {
    url: withDatabase(adminUrl, name),
    adminUrl,
    source,
    async release() {
      if (!opts.reuse) await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
      await stopServer();
    },
  };
}
