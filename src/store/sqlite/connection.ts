/**
 * @module store/sqlite/connection
 *
 * One better-sqlite3 connection and everything the SQLite store keeps about
 * it: its statements, prepared once per text; the turns its callers take
 * and the group commit of its write transactions (`turns`); whether it has met a
 * damaged file (writes are refused from then on, see `integrity`); the
 * change stamp; the remembered allocation counts and replay purges (the
 * driver hooks of `store/sql`); and the hand-over of WAL checkpoints to the
 * background (see `checkpointer`). Failures come out as Legate errors,
 * mapped as the SQLite store always has. Internal.
 */

import type Database from 'better-sqlite3';

import { legateError } from '../../errors/index.js';
import { driverFailure, uniqueViolation } from '../sql/errors.js';
import { AuditHeads } from '../sql/audit-heads.js';
import type { SqlDriverHooks, SqlValue } from '../sql/executor.js';
import { checkpointInBackground, SAFETY_NET_PAGES } from './checkpointer.js';
import { isBusyError, isSqliteError } from './driver.js';
import { corruptionError, isCorruption } from './integrity.js';
import { BUSY_TIMEOUT_MS, Turns } from './turns.js';

/** `UNIQUE constraint failed: agents.did` → table and column. Never carries values. */
const UNIQUE_FAILED = /constraint failed: (\w+)\.(\w+)/;

/** The tables whose changes {@link SqliteConnection.changeStamp} follows: keys, settings, status lists, the published trust list, agents. */
const STAMPED_TABLES = ['keys', 'settings', 'status_lists', 'trust_list', 'agents'] as const;

/** Claims between two purges of expired one-time keys. */
const PURGE_EVERY = 256;

/**
 * Calls after which a file store hands its WAL checkpoints to the background
 * checkpointer: a short-lived store (a CLI command's) never starts its worker.
 */
const BACKGROUND_CHECKPOINT_AFTER = 1000;

/** What SQLite threw, as a Legate error: a duplicate is `ERR_CONFLICT`, damage `ERR_STORE_CORRUPT`, the rest `ERR_STORE`. */
function mapError(error: unknown, operation: string): Error {
  if (isCorruption(error)) return corruptionError(operation, error);
  if (!isSqliteError(error)) return error instanceof Error ? error : driverFailure(operation, undefined, error);
  if (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const match = UNIQUE_FAILED.exec(error.message);
    return uniqueViolation(match?.[1], match?.[2], error);
  }
  return driverFailure(operation, error.code, error);
}

/** Parameters as better-sqlite3 takes them: bytes as `Buffer` views, no copy. */
function bind(params: readonly SqlValue[] | undefined): unknown[] {
  if (params === undefined) return [];
  let bound: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
      bound ??= [...params];
      bound[i] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return bound ?? (params as unknown[]);
}

/** better-sqlite3's Buffers as plain Uint8Array copies (a Buffer may share a pool). */
function plain<T>(row: unknown): T {
  const record = row as Record<string, unknown>;
  for (const column in record) {
    const value = record[column];
    if (value instanceof Uint8Array) record[column] = new Uint8Array(value);
  }
  return record as T;
}

/** A prepared statement, and whether its rows may hold bytes (which come back as copies, see {@link plain}). */
interface Prepared {
  readonly statement: Database.Statement;
  readonly bytes: boolean;
}

export class SqliteConnection {
  readonly db: Database.Database;
  readonly readonly: boolean;
  /** Set by the first corruption error or failed integrity check: writes are refused from then on. */
  corrupt = false;
  /** Set when the connection was closed (by the store, or after a ROLLBACK that failed). */
  closed = false;
  readonly hooks: SqlDriverHooks;
  readonly #statements = new Map<string, Prepared>();
  /** Whose turn it is, and the group of write transactions committing together (see `turns`). */
  readonly turns: Turns = new Turns(this);
  /** Writes to the tables {@link changeStamp} covers through this connection, and rollbacks. */
  #changes = 0;
  /** `PRAGMA data_version`, or undefined when the change triggers could not be installed (no stamp then). */
  readonly #dataVersion: Database.Statement<[], number> | undefined;
  /** `PRAGMA data_version` as read in this turn of the event loop, forgotten when the turn ends (see {@link changeStamp}). */
  #versionThisTurn: number | undefined;
  readonly #forgetVersion = (): void => {
    this.#versionThisTurn = undefined;
  };
  #claimsSincePurge = 0;
  /** The audit heads this connection appended (see store/sql/audit-heads): forgotten at every rollback. */
  readonly #auditHeads = new AuditHeads();
  /** The file, when its checkpoints may move to the background (not in memory, not read-only). */
  readonly #path: string | undefined;
  #calls = 0;
  #stopCheckpointing: (() => void) | undefined;

  constructor(db: Database.Database, options: { readonly: boolean; path: string | undefined }) {
    this.db = db;
    this.readonly = options.readonly;
    this.#path = options.path;
    this.#dataVersion = this.#trackChanges(db);
    this.hooks = {
      sessionTokens: true,
      auditHeads: this.#auditHeads,
      replayPurgeDue: () => {
        if (++this.#claimsSincePurge < PURGE_EVERY) return false;
        this.#claimsSincePurge = 0;
        return true;
      },
    };
  }

  /**
   * Counts every write to {@link STAMPED_TABLES} through this connection,
   * whatever code makes it (temporary triggers, this connection only);
   * `PRAGMA data_version` covers the other connections' commits.
   */
  #trackChanges(db: Database.Database): Database.Statement<[], number> | undefined {
    try {
      db.function('legate_changed', { varargs: false, deterministic: false }, () => {
        this.#changes++;
        return null;
      });
      for (const table of STAMPED_TABLES) {
        for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
          db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS legate_${table}_${op.toLowerCase()} AFTER ${op} ON main.${table} BEGIN SELECT legate_changed(); END`);
        }
      }
      return db.prepare<[], number>('PRAGMA data_version').pluck();
    } catch {
      return undefined;
    }
  }

  /**
   * See `Store.changeStamp`. Writes through this connection count at once;
   * another connection's commit (`PRAGMA data_version`, a read transaction
   * of its own, ~7 µs in place) is read once per turn of the event loop, so
   * the several readers of one request share one read and see such a commit
   * from the next turn on, as a PostgreSQL store sees another instance's once
   * its notice arrives.
   */
  changeStamp(): string | undefined {
    if (this.closed || this.#dataVersion === undefined) return undefined;
    let version = this.#versionThisTurn;
    if (version === undefined) {
      version = this.#versionThisTurn = this.#dataVersion.get();
      setImmediate(this.#forgetVersion).unref();
    }
    return `${version}:${this.#changes}`;
  }

  /** A rolled-back transaction or savepoint may have written what a stamp or a count covered, then undone it. */
  rolledBack(): void {
    this.#changes++;
    this.#auditHeads.clear();
  }

  /** Whether `sql` writes (SQLite's own answer for the prepared statement). */
  writes(sql: string): boolean {
    return !this.#prepared(sql).statement.readonly;
  }

  /** The statement for `sql`, prepared on first use. */
  statement(sql: string): Database.Statement {
    return this.#prepared(sql).statement;
  }

  #prepared(sql: string): Prepared {
    let prepared = this.#statements.get(sql);
    if (prepared === undefined) {
      const statement = this.db.prepare(sql);
      // A column that is no plain expression (`type` null) might hold bytes too.
      const bytes = statement.reader && statement.columns().some((column) => column.type === null || /BLOB/i.test(column.type));
      prepared = { statement, bytes };
      this.#statements.set(sql, prepared);
    }
    return prepared;
  }

  /** Runs `op` on the connection; what SQLite throws comes out mapped, and a corruption error marks the connection damaged. */
  sync<T>(op: (db: Database.Database) => T, operation = 'statement'): T {
    this.#assertOpen();
    try {
      return op(this.db);
    } catch (error) {
      throw this.#failed(error, operation);
    }
  }

  #assertOpen(): void {
    if (this.closed) throw legateError('ERR_STORE', 'the store is closed');
  }

  #failed(error: unknown, operation: string): Error {
    const mapped = mapError(error, operation);
    if ((mapped as { code?: unknown }).code === 'ERR_STORE_CORRUPT') this.corrupt = true;
    return mapped;
  }

  // all, get and run are the hot path: no closure per statement.
  all<T>(sql: string, params: readonly SqlValue[] | undefined): T[] {
    this.#assertOpen();
    try {
      const { statement, bytes } = this.#prepared(sql);
      const rows = statement.all(...bind(params));
      return (bytes ? rows.map((row) => plain<T>(row)) : rows) as T[];
    } catch (error) {
      throw this.#failed(error, 'statement');
    }
  }

  get<T>(sql: string, params: readonly SqlValue[] | undefined): T | undefined {
    this.#assertOpen();
    try {
      const { statement, bytes } = this.#prepared(sql);
      const row = statement.get(...bind(params));
      return (bytes && row !== undefined ? plain<T>(row) : row) as T | undefined;
    } catch (error) {
      throw this.#failed(error, 'statement');
    }
  }

  run(sql: string, params: readonly SqlValue[] | undefined): { changes: number } {
    this.#assertOpen();
    try {
      return { changes: this.#prepared(sql).statement.run(...bind(params)).changes };
    } catch (error) {
      throw this.#failed(error, 'statement');
    }
  }

  /** Runs a transaction-control statement (BEGIN, COMMIT, SAVEPOINT …), prepared once. */
  control(sql: string, operation: string): void {
    this.sync(() => this.statement(sql).run(), operation);
  }

  /**
   * `BEGIN IMMEDIATE` with no busy wait: false if another connection holds
   * the lock. The busy timeout is set to 0 around it with `exec`, as SQLite
   * applies `PRAGMA busy_timeout` when it compiles the statement, not when a
   * prepared one runs again. The pair costs ~1 µs alone but measured 12–35
   * µs a group in a busy node (why, not pinned down); a connection kept at
   * 0 would save it, and leave its reads to meet `SQLITE_BUSY`.
   */
  tryBeginImmediate(): boolean {
    this.#assertOpen();
    try {
      this.db.exec('PRAGMA busy_timeout = 0');
      this.statement('BEGIN IMMEDIATE').run();
      return true;
    } catch (error) {
      if (isSqliteError(error) && isBusyError(error)) return false;
      throw this.#failed(error, 'transaction');
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  /** Runs `sql` for a cleanup path (ROLLBACK), reporting failure instead of throwing. */
  tryControl(sql: string): boolean {
    try {
      this.statement(sql).run();
      return true;
    } catch {
      return false;
    }
  }

  /** Whether SQLite has a transaction open on this connection. */
  get inTransaction(): boolean {
    return !this.closed && this.db.inTransaction;
  }

  /** Counts a call; the {@link BACKGROUND_CHECKPOINT_AFTER}th moves checkpoints to the background. */
  count(): void {
    if (this.#path === undefined || ++this.#calls !== BACKGROUND_CHECKPOINT_AFTER) return;
    try {
      this.db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    } catch {
      return;
    }
    this.#stopCheckpointing = checkpointInBackground(this.#path, () => {
      try {
        // The worker could not open the file: checkpoint in the commits again, as SQLite does by default.
        if (!this.closed) this.db.pragma('wal_autocheckpoint = 1000');
      } catch {
        // A closed store needs no checkpoints.
      }
    });
  }

  /** Closes the connection (once); later calls fail with `ERR_STORE`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#stopCheckpointing?.();
    try {
      this.db.close();
    } catch (error) {
      throw mapError(error, 'close database');
    }
  }
}
