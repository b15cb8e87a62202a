/**
 * @module store/sqlite/executor
 *
 * The {@link SqlExecutor} the shared repositories (`store/sql`) run on over
 * one better-sqlite3 connection ({@link SqliteConnection}). better-sqlite3 is
 * synchronous, so a transaction holds the connection while its function
 * awaits, and every auto-commit statement waits its turn behind it: nothing
 * lands inside another caller's transaction. A statement on a free
 * connection runs at once, with no turn to wait for. Write transactions
 * that follow one another commit together, each in a savepoint of the
 * group's transaction, and each resolves once that `COMMIT` succeeded
 * (`turns`); a read-only connection's run alone (`BEGIN DEFERRED`). Nested
 * transactions are savepoints; `lock()` is a no-op, the write transaction
 * being exclusive already. A transaction whose savepoint could not be
 * rolled back, or that SQLite itself ended (after a disk-full error, say),
 * refuses everything up to its end and does not commit. Internal.
 */

import { legateError } from '../../errors/index.js';
import type { SqlDriverHooks, SqlExecutor, SqlRunResult, SqlValue } from '../sql/executor.js';
import type { TransactionOptions } from '../types.js';
import type { SqliteConnection } from './connection.js';

/** What a top-level transaction and its savepoints share. */
interface TxState {
  ended: boolean;
  depth: number;
  /** A savepoint's writes could not be undone: the transaction must not commit. */
  aborted: boolean;
}

const settled = Promise.resolve();

export class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  readonly connection: SqliteConnection;
  readonly hooks: SqlDriverHooks;
  readonly #tx: TxState | undefined;

  constructor(connection: SqliteConnection, tx?: TxState) {
    this.connection = connection;
    this.hooks = connection.hooks;
    this.#tx = tx;
  }

  get inTransaction(): boolean {
    return this.#tx !== undefined;
  }

  /**
   * Runs `op` now when it may: inside this executor's transaction (the
   * connection is held already), or outside any on a free connection;
   * otherwise once the transaction holding the connection has ended.
   */
  use<T>(op: (connection: SqliteConnection) => T): Promise<T> {
    try {
      return this.#now() ? Promise.resolve(op(this.connection)) : this.#queued(op);
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  /** Whether a statement may run now: in this executor's transaction, or on a free connection (then counted). Throws if the transaction is over. */
  #now(): boolean {
    const tx = this.#tx;
    if (tx !== undefined) {
      if (tx.ended) throw legateError('ERR_STORE', 'the transaction has ended');
      assertNotAborted(tx, this.connection);
      return true;
    }
    if (this.connection.turns.busy) return false;
    this.connection.count();
    return true;
  }

  async #queued<T>(op: (connection: SqliteConnection) => T): Promise<T> {
    const turns = this.connection.turns;
    await turns.acquire();
    try {
      this.connection.count();
      return op(this.connection);
    } finally {
      turns.release();
    }
  }

  /**
   * A statement outside any transaction that writes: it runs as a member of
   * its own (`turns`), so it waits for no lock inside SQLite, and commits
   * with the group.
   */
  #writesAlone(sql: string): boolean {
    return this.#tx === undefined && !this.connection.readonly && !this.connection.closed && this.connection.writes(sql);
  }

  // The hot path: a statement that may run now makes no closure.
  all<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    try {
      if (this.#writesAlone(sql)) return this.#member((tx) => tx.all<T>(sql, params));
      return this.#now() ? Promise.resolve(this.connection.all<T>(sql, params)) : this.#queued((c) => c.all<T>(sql, params));
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  get<T extends object>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    try {
      if (this.#writesAlone(sql)) return this.#member((tx) => tx.get<T>(sql, params));
      return this.#now() ? Promise.resolve(this.connection.get<T>(sql, params)) : this.#queued((c) => c.get<T>(sql, params));
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<SqlRunResult> {
    try {
      if (this.#writesAlone(sql)) return this.#member((tx) => tx.run(sql, params));
      return this.#now() ? Promise.resolve(this.connection.run(sql, params)) : this.#queued((c) => c.run(sql, params));
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  lock(): Promise<void> {
    return settled;
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const tx = this.#tx;
    if (tx !== undefined) return this.#savepoint(tx, fn);
    return this.connection.readonly ? this.#alone(fn) : this.#member(fn, options?.bulk === true);
  }

  /**
   * A write transaction, as a member of the connection's group (see `turns`): resolves once the group committed.
   * A bulk one waits for the open group to commit and commits in one of its own.
   */
  async #member<T>(fn: (tx: SqlExecutor) => Promise<T>, bulk = false): Promise<T> {
    const connection = this.connection;
    const turns = connection.turns;
    await turns.acquire(!bulk);
    let result: T;
    let committed: Promise<void>;
    try {
      connection.count();
      // The group's BEGIN IMMEDIATE took the write lock, so its COMMIT cannot fail with SQLITE_BUSY.
      await turns.begin(bulk);
      const state: TxState = { ended: false, depth: 0, aborted: false };
      try {
        result = await fn(new SqliteExecutor(connection, state));
        assertNotAborted(state, connection);
      } catch (error) {
        state.ended = true;
        turns.abort();
        throw error;
      }
      state.ended = true;
      committed = turns.end();
    } finally {
      turns.release();
    }
    await committed;
    return result;
  }

  /** A transaction of a read-only connection: `BEGIN DEFERRED` to `COMMIT`, alone. */
  async #alone<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const connection = this.connection;
    await connection.turns.acquire();
    try {
      connection.count();
      connection.control('BEGIN DEFERRED', 'transaction');
      const state: TxState = { ended: false, depth: 0, aborted: false };
      let result: T;
      try {
        result = await fn(new SqliteExecutor(connection, state));
        assertNotAborted(state, connection);
      } catch (error) {
        state.ended = true;
        rollBack(connection);
        throw error;
      }
      state.ended = true;
      try {
        connection.control('COMMIT', 'commit transaction');
      } catch (error) {
        rollBack(connection);
        throw error;
      }
      return result;
    } finally {
      // Only if a ROLLBACK itself failed: never let later calls join a stale transaction.
      if (!connection.closed && connection.db.inTransaction) connection.close();
      connection.turns.release();
    }
  }

  async #savepoint<T>(state: TxState, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (state.ended) throw legateError('ERR_STORE', 'the transaction has ended');
    assertNotAborted(state, this.connection);
    const connection = this.connection;
    const name = `legate_tx_${++state.depth}`;
    try {
      connection.control(`SAVEPOINT ${name}`, 'begin nested transaction');
      let result: T;
      try {
        result = await fn(new SqliteExecutor(connection, state));
      } catch (error) {
        connection.rolledBack();
        // If the whole transaction ended meanwhile, the savepoint is gone and the connection may be someone else's: touch nothing.
        if (!state.ended && connection.db.inTransaction && !(connection.tryControl(`ROLLBACK TO ${name}`) && connection.tryControl(`RELEASE ${name}`))) {
          state.aborted = true;
        }
        throw error;
      }
      if (state.ended) throw legateError('ERR_STORE', 'the enclosing transaction ended first');
      connection.control(`RELEASE ${name}`, 'commit nested transaction');
      return result;
    } finally {
      state.depth--;
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function assertNotAborted(state: TxState, connection: SqliteConnection): void {
  if (state.aborted || connection.closed || !connection.db.inTransaction) throw legateError('ERR_STORE', 'the transaction was aborted');
}

/** Undoes the open transaction; the caller's error matters more than a failed ROLLBACK (the connection is then closed). */
function rollBack(connection: SqliteConnection): void {
  connection.rolledBack();
  if (!connection.closed && connection.db.inTransaction) connection.tryControl('ROLLBACK');
}
