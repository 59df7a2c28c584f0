// Kysely over PGlite: one embedded session, shared by the whole process, that nested work cannot deadlock.
//
// PGlite is a single PostgreSQL session. Queries are serialised by handing the one connection to one user at a
// time. The danger is code that, inside a transaction, queries through the root `db` instead of the `trx` in
// hand (a progress write, a service called with `db`): with a plain queue it waits for the connection its own
// transaction holds, for ever. Here a transaction marks its async context (AsyncLocalStorage); a query made in
// that context while the transaction is open runs on the same session, so it becomes part of the transaction
// (the only thing one session can do) instead of hanging. A transaction begun in that context is a savepoint.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

class PgliteConnection implements DatabaseConnection {
  /** Open transactions (1 = BEGIN, more = savepoints inside it). */
  depth = 0;
  constructor(readonly client: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.client.query<R>(query.sql, [...query.parameters]);
    return result.affectedRows === undefined
      ? { rows: result.rows }
      : { rows: result.rows, numAffectedRows: BigInt(result.affectedRows) };
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize = 1000): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(query);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }
}

/** What a transaction leaves in its async context. */
interface OpenTransaction {
  connection: PgliteConnection;
  open: boolean;
}

class PgliteDriver implements Driver {
  readonly #connection: PgliteConnection;
  readonly #context = new AsyncLocalStorage<OpenTransaction>();
  #holders = 0;
  #waiting: (() => void)[] = [];
  #open: OpenTransaction[] = [];

  constructor(client: PGlite) {
    this.#connection = new PgliteConnection(client);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const inside = this.#context.getStore();
    if (inside?.open && this.#holders > 0) {
      // Work done by (or for) the open transaction: same session, no waiting for ourselves.
      this.#holders++;
      return inside.connection;
    }
    if (this.#holders > 0) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#holders++;
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#holders--;
    if (this.#holders === 0) this.#waiting.shift()?.();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const conn = connection as PgliteConnection;
    // Synchronously, before the first await: the caller's continuation (the transaction's callback) runs in
    // the context entered here, and so does everything it starts.
    const tx: OpenTransaction = { connection: conn, open: true };
    this.#context.enterWith(tx);
    this.#open.push(tx);
    conn.depth++;
    if (conn.depth > 1) {
      await conn.executeQuery(CompiledQuery.raw(`savepoint lk_nested_${conn.depth}`));
      return;
    }
    const mode = [
      settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
      settings.accessMode ?? '',
    ].filter(Boolean);
    await conn.executeQuery(CompiledQuery.raw(mode.length ? `start transaction ${mode.join(', ')}` : 'begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PgliteConnection, 'commit');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PgliteConnection, 'rollback');
  }

  async #end(conn: PgliteConnection, how: 'commit' | 'rollback'): Promise<void> {
    const depth = conn.depth;
    conn.depth--;
    const tx = this.#open.pop();
    if (tx) tx.open = false;
    if (depth > 1) {
      const name = `lk_nested_${depth}`;
      await conn.executeQuery(CompiledQuery.raw(how === 'commit' ? `release savepoint ${name}` : `rollback to savepoint ${name}`));
      return;
    }
    await conn.executeQuery(CompiledQuery.raw(how));
  }

  // Savepoints made explicitly through Kysely (trx.savepoint(name)).
  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdent(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdent(name)}`));
  }

  async destroy(): Promise<void> {
    if (!this.#connection.client.closed) await this.#connection.client.close();
  }
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export class PgliteDialect implements Dialect {
  constructor(private readonly client: PGlite) {}
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PgliteDriver(this.client);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  // Kysely's own Dialect signature takes Kysely<any>.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
