// Telling "the database is away" (retry the batch later, nothing is lost) from "this message breaks the
// pipeline" (keep it as failed, quarantine it, move on).
import { sql, type Kysely } from 'kysely';

const TRANSIENT_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  '57P01', // admin_shutdown (terminated backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '55000', // e.g. database "x" is not currently accepting connections
  '3D000', // database does not exist (yet/any more)
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

const TRANSIENT_TEXT = /connection terminated|connection error|timeout exceeded when trying to connect|not queryable|client was closed|Connection ended|terminating connection/i;

/**
 * Conditions of the server, not of a message: connection exceptions (08), insufficient resources (53: disk
 * full, out of memory), system errors (58: I/O), a cancelled statement (57014). A message failing with one
 * of these is not poison, even if `select 1` still answers.
 */
const OUTAGE_CLASSES = ['08', '53', '58', '57014'];

export function isTransientDbError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (typeof e.code === 'string' && (TRANSIENT_CODES.has(e.code) || OUTAGE_CLASSES.some((c) => (e.code as string).startsWith(c)))) {
    return true;
  }
  return typeof e.message === 'string' && TRANSIENT_TEXT.test(e.message);
}

/** True when the database answers now. */
export async function databaseAnswers(db: Kysely<unknown>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

export class DatabaseUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super(`database unavailable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Thrown (by a fault hook, or a shutdown) to abandon a batch as a crash would: nothing is kept as failed. */
export class PassAborted extends Error {
  constructor(message = 'pass aborted') {
    super(message);
    this.name = 'PassAborted';
  }
}

export function errorText(err: unknown): string {
  const e = err as Error | null;
  const text = e && typeof e.message === 'string' ? `${e.name ?? 'Error'}: ${e.message}` : String(err);
  return text.slice(0, 4000);
}
