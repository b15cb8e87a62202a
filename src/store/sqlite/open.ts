/**
 * @module store/sqlite/open
 *
 * The embedded SQLite backend of {@link Store}, on better-sqlite3: the shared
 * repositories of `store/sql` over the SQLite executor (`./executor`), with
 * what only SQLite needs around them. One connection per store, in WAL mode
 * with `foreign_keys=ON`, a 5 s `busy_timeout` and `synchronous=NORMAL`;
 * statements are prepared once per text. A store that keeps writing moves
 * its WAL checkpoints to a worker thread (see `checkpointer`). Transactions
 * take the connection from `BEGIN IMMEDIATE` to `COMMIT`/`ROLLBACK`; nested
 * ones are savepoints. SQLite failures surface as Legate errors:
 * `ERR_CONFLICT` for a duplicate key, `ERR_NOT_FOUND` for an update of a
 * missing row (both plain `LegateError`s), and as `StoreError`s
 * `ERR_STORE_CORRUPT` for a damaged file (after which the store refuses
 * writes, see `integrity`), `ERR_STORE` for the rest, with the SQLite error
 * as `cause` and never row contents in the message.
 */

import type Database from 'better-sqlite3';

import { isLegateError, legateError } from '../../errors/index.js';
import { driverFailure } from '../sql/errors.js';
import type { SqlExecutor } from '../sql/executor.js';
import { createSqlStore } from '../sql/store.js';
import type { IntegrityReport, Store } from '../types.js';
import { SqliteConnection } from './connection.js';
import { isSqliteError, sqlite } from './driver.js';
import { SqliteExecutor } from './executor.js';
import { corruptionError, isCorruption, runIntegrityCheck, writeRefused } from './integrity.js';
import { applyMigrations, assertKnownVersion, MIGRATIONS, schemaVersion } from './migrations.js';
import { BUSY_TIMEOUT_MS } from './turns.js';

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * Open an existing, fully migrated database read-only: reads work, every
   * write fails with `ERR_STORE`. Not available for `':memory:'`.
   */
  readonly?: boolean | undefined;
}

/**
 * Opens (creating if needed) the SQLite database at `path` and migrates it to
 * the current schema. `':memory:'` gives a private in-memory database, for
 * tests. The parent directory must already exist.
 *
 * Calls block the event loop while SQLite works (better-sqlite3 is
 * synchronous). A write waiting for another connection's lock on the file
 * does not: it tries again on a timer, for at most `BUSY_TIMEOUT_MS`
 * (5 s), and write transactions that follow one another commit together
 * (`store/sqlite/turns`).
 *
 * @throws StoreError `ERR_STORE_CORRUPT` when the file is not a SQLite
 *   database or its schema pages are damaged; `ERR_STORE` when it cannot be
 *   opened or has a schema newer than this Legate knows.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore(join(home, 'legate.db'));
 * try {
 *   await store.transaction(async (tx) => {
 *     await tx.putKey(key);
 *     await tx.putAgent(agent);
 *   });
 * } finally {
 *   await store.close();
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so failures reject instead of throwing
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  if (typeof path !== 'string' || path.length === 0) {
    throw legateError('ERR_STORE', 'the database path must be a non-empty string', { claim: 'path' });
  }
  const readonly = options.readonly === true;
  let db: Database.Database;
  try {
    db = new (sqlite())(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw toStoreError(error, 'open database');
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Check before anything can write to a file from a later schema.
    const version = schemaVersion(db);
    assertKnownVersion(version);
    if (readonly) {
      if (version !== MIGRATIONS.length) {
        throw legateError(
          'ERR_STORE',
          `database schema version ${version} is not current (${MIGRATIONS.length}); open it read-write once to migrate`,
          { reason: 'schema_outdated' },
        );
      }
    } else {
      db.pragma('journal_mode = WAL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    if (!readonly) applyMigrations(db);
    // After the migrations, whose index builds may sort more than memory should hold. From here, the savepoint
    // journals of group commit (store/sqlite/turns: each member a savepoint) stay in memory: past 64 KiB SQLite
    // spilled them to a temporary file, two system calls a page on every busy commit (bench/README.md,
    // "Twenty-first session").
    db.pragma('temp_store = MEMORY');
    return sqliteStore(new SqliteConnection(db, { readonly, path: readonly || path === ':memory:' ? undefined : path }));
  } catch (error) {
    db.close();
    throw toStoreError(error, 'open database');
  }
}

/** Operations that only read; every other one writes, and is refused once the store has met corruption. */
const READ_OPERATION = /^(get|list|last|latest|is|count|checkIntegrity$)/;

/** A failure while opening, as a Legate error (a file that is no database is `ERR_STORE_CORRUPT`). */
function toStoreError(error: unknown, operation: string): Error {
  if (isLegateError(error)) return error;
  if (isCorruption(error)) return corruptionError(operation, error);
  return driverFailure(operation, isSqliteError(error) ? error.code : undefined, error);
}

/** SQLite's own check, on the connection of the scope that asks (inside its transaction, if any); a failed one marks the store damaged. */
function checkIntegrity(options: { quick?: boolean }, exec: SqlExecutor): Promise<IntegrityReport> {
  if (!(exec instanceof SqliteExecutor)) return Promise.reject(legateError('ERR_STORE', 'not a SQLite executor'));
  return exec.use((connection) =>
    connection.sync((db) => {
      const report = runIntegrityCheck(db, options.quick === true);
      if (!report.ok) connection.corrupt = true;
      return report;
    }, 'checkIntegrity'),
  );
}

/** The store over `connection` (open, migrated). */
function sqliteStore(connection: SqliteConnection): Store {
  const exec = new SqliteExecutor(connection);
  return createSqlStore({
    exec,
    checkIntegrity,
    guard(operation) {
      if (connection.corrupt && !READ_OPERATION.test(operation)) throw writeRefused(operation);
    },
    changeStamp: () => connection.changeStamp(),
    close: () => exec.use((c) => c.close()),
  });
}
