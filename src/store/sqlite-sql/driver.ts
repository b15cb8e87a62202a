/**
 * @module store/sqlite-sql/driver
 *
 * A {@link SqlExecutor} over one better-sqlite3 connection, so the shared
 * repositories (`store/sql`) run on SQLite too: the step towards one store
 * written once, with the SQLite specifics here. better-sqlite3 is
 * synchronous, so transactions are built from an async {@link Mutex}: every
 * auto-commit statement takes it, a transaction holds it from
 * `BEGIN IMMEDIATE` to `COMMIT`/`ROLLBACK` (nested ones are savepoints), so
 * nothing lands inside another caller's transaction; `lock()` is a no-op,
 * the write transaction being exclusive already. Statements are prepared
 * once per text; bytes go in as `Buffer` views and come out as plain
 * `Uint8Array`s. Failures map as the SQLite store's always have. Internal.
 */

import type Database from 'better-sqlite3';

import { legateError } from '../../errors/index.js';
import { Mutex } from '../../lib/mutex.js';
import { driverFailure, uniqueViolation } from '../sql/errors.js';
import type { SqlExecutor, SqlRunResult, SqlValue } from '../sql/executor.js';
import { isSqliteError } from '../sqlite/driver.js';
import { corruptionError, isCorruption } from '../sqlite/integrity.js';

/** `UNIQUE constraint failed: agents.did` → table and column. Never carries values. */
const UNIQUE_FAILED = /constraint failed: (\w+)\.(\w+)/;

function mapError(error: unknown): Error {
  if (isCorruption(error)) return corruptionError('statement', error);
  if (!isSqliteError(error)) return error instanceof Error ? error : driverFailure('statement', undefined, error);
  if (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const match = UNIQUE_FAILED.exec(error.message);
    return uniqueViolation(match?.[1], match?.[2], error);
  }
  return driverFailure('statement', error.code, error);
}

function bind(params: readonly SqlValue[] | undefined): unknown[] {
  return (params ?? []).map((v) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v));
}

/** better-sqlite3's Buffers as plain Uint8Array copies (a Buffer may share a pool). */
function plain<T>(row: unknown): T {
  const record = row as Record<string, unknown>;
  for (const [column, value] of Object.entries(record)) if (value instanceof Uint8Array) record[column] = new Uint8Array(value);
  return record as T;
}

/** The connection, its statements (prepared once per text) and the mutex its callers share. */
class Connection {
  readonly #statements = new Map<string, Database.Statement>();
  readonly mutex = new Mutex();
  constructor(readonly db: Database.Database) {}

  statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `op` on the connection, mapping what SQLite throws. */
  sync<T>(op: () => T): T {
    try {
      return op();
    } catch (error) {
      throw mapError(error);
    }
  }
}

/** What a top-level transaction and its savepoints share. */
interface TxState {
  ended: boolean;
  depth: number;
}

class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  readonly #connection: Connection;
  readonly #tx: TxState | undefined;

  constructor(connection: Connection, tx?: TxState) {
    this.#connection = connection;
    this.#tx = tx;
  }

  get inTransaction(): boolean {
    return this.#tx !== undefined;
  }

  /** Outside a transaction, waits for the mutex; inside, the mutex is held already. */
  #use<T>(op: () => T): Promise<T> {
    const connection = this.#connection;
    if (this.#tx === undefined) return connection.mutex.run(() => connection.sync(op));
    if (this.#tx.ended) return Promise.reject(legateError('ERR_STORE', 'the transaction has ended'));
    return new Promise<T>((resolve) => resolve(connection.sync(op)));
  }

  all<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#use(() => this.#connection.statement(sql).all(...bind(params)).map((row) => plain<T>(row)));
  }

  get<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.#use(() => {
      const row = this.#connection.statement(sql).get(...bind(params));
      return row === undefined ? undefined : plain<T>(row);
    });
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<SqlRunResult> {
    return this.#use(() => ({ changes: this.#connection.statement(sql).run(...bind(params)).changes }));
  }

  lock(): Promise<void> {
    return Promise.resolve();
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const tx = this.#tx;
    if (tx === undefined) return this.#connection.mutex.run(() => this.#topLevel(fn));
    return this.#savepoint(tx, fn);
  }

  async #topLevel<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const { db } = this.#connection;
    this.#connection.sync(() => db.exec('BEGIN IMMEDIATE'));
    const state: TxState = { ended: false, depth: 0 };
    let result: T;
    try {
      result = await fn(new SqliteExecutor(this.#connection, state));
    } catch (error) {
      state.ended = true;
      if (db.inTransaction) tryExec(db, 'ROLLBACK');
      throw error;
    }
    state.ended = true;
    try {
      this.#connection.sync(() => db.exec('COMMIT'));
    } catch (error) {
      if (db.inTransaction) tryExec(db, 'ROLLBACK');
      throw error;
    }
    return result;
  }

  async #savepoint<T>(state: TxState, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (state.ended) throw legateError('ERR_STORE', 'the transaction has ended');
    const { db } = this.#connection;
    const name = `legate_tx_${++state.depth}`;
    try {
      this.#connection.sync(() => db.exec(`SAVEPOINT ${name}`));
      let result: T;
      try {
        result = await fn(new SqliteExecutor(this.#connection, state));
      } catch (error) {
        // If the whole transaction ended meanwhile, the savepoint is gone: touch nothing.
        if (!state.ended && db.inTransaction) tryExec(db, `ROLLBACK TO ${name}; RELEASE ${name}`);
        throw error;
      }
      if (state.ended) throw legateError('ERR_STORE', 'the enclosing transaction ended first');
      this.#connection.sync(() => db.exec(`RELEASE ${name}`));
      return result;
    } finally {
      state.depth--;
    }
  }
}

/** Runs `sql`, reporting failure instead of throwing (for cleanup paths). */
function tryExec(db: Database.Database, sql: string): boolean {
  try {
    db.exec(sql);
    return true;
  } catch {
    return false;
  }
}

/** The auto-commit executor over `db` (open, migrated); transactions pin the connection through the mutex. */
export function sqliteExecutor(db: Database.Database): SqlExecutor {
  return new SqliteExecutor(new Connection(db));
}
