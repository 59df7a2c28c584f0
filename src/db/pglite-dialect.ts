// Kysely over PGlite: one embedded session, shared by the whole process, that nested work cannot deadlock.
//
// PGlite is a single PostgreSQL session. Queries are serialised by handing the one connection to one user at a
// time. The danger is code that, inside a transaction, queries through the root `db` instead of the `trx` in
// hand (a progress write, a service called with `db`): with a plain queue it waits for the connection its own
// transaction holds, for ever. Here every root transaction runs its callback in an async context of its own
// (AsyncLocalStorage.run, so it cannot leak to the caller); a query made in that context while the transaction
// is open runs on the same session, so it becomes part of the transaction (the only thing one session can do)
// instead of hanging, and a transaction begun there is a savepoint.
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
  Kysely,
  type QueryCompiler,
  type QueryResult,
  type Transaction,
  type TransactionBuilder,
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

/** A root transaction's mark on its async context; `parent` is the transaction it was begun inside, if any. */
interface TransactionScope {
  parent: TransactionScope | undefined;
  open: boolean;
}

class PgliteDriver implements Driver {
  readonly #connection: PgliteConnection;
  readonly #context = new AsyncLocalStorage<TransactionScope>();
  #holders = 0;
  #waiting: (() => void)[] = [];

  constructor(client: PGlite) {
    this.#connection = new PgliteConnection(client);
  }

  async init(): Promise<void> {}

  /** Runs a root transaction (`fn` calls Kysely's execute) in a scope of its own, inside the caller's if any. */
  inTransactionScope<T>(fn: () => Promise<T>): Promise<T> {
    return this.#context.run({ parent: this.#context.getStore(), open: false }, fn);
  }

  #insideOpenTransaction(): boolean {
    for (let scope = this.#context.getStore(); scope; scope = scope.parent) if (scope.open) return true;
    return false;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#holders > 0 && this.#insideOpenTransaction()) {
      // Work done by (or for) the open transaction: same session, no waiting for ourselves.
      this.#holders++;
      return this.#connection;
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
    const scope = this.#context.getStore();
    if (scope) scope.open = true;
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
    const scope = this.#context.getStore();
    if (scope) scope.open = false;
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

class PgliteDialect implements Dialect {
  readonly driver: PgliteDriver;
  constructor(client: PGlite) {
    this.driver = new PgliteDriver(client);
  }
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return this.driver;
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

/** Kysely whose root transactions run in their own async scope (see the top of this file). */
class PgliteKysely<DB> extends Kysely<DB> {
  readonly #driver: PgliteDriver;
  constructor(dialect: PgliteDialect) {
    super({ dialect });
    this.#driver = dialect.driver;
  }
  override transaction(): TransactionBuilder<DB> {
    return scoped(super.transaction(), this.#driver);
  }
}

function scoped<DB>(builder: TransactionBuilder<DB>, driver: PgliteDriver): TransactionBuilder<DB> {
  return new Proxy(builder, {
    get(target, prop, receiver) {
      if (prop === 'execute') {
        return <T>(callback: (trx: Transaction<DB>) => Promise<T>) => driver.inTransactionScope(() => target.execute(callback));
      }
      if (prop === 'setIsolationLevel' || prop === 'setAccessMode') {
        return (value: never) => scoped(target[prop](value), driver);
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

export function createPgliteKysely<DB>(client: PGlite): Kysely<DB> {
  return new PgliteKysely<DB>(new PgliteDialect(client));
}
