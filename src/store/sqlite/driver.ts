/**
 * @module store/sqlite/driver
 *
 * better-sqlite3, loaded on first use rather than on import, so that
 * `import 'legate'` (which re-exports the SQLite backend) and CLI commands
 * that never open a store do not load the driver and its native addon.
 */

import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

let driver: typeof Database | undefined;

/** The better-sqlite3 constructor (with its `SqliteError`), loaded once. */
export function sqlite(): typeof Database {
  driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return driver;
}

/** Whether `error` is better-sqlite3's `SqliteError`; false without loading the driver when none was opened. */
export function isSqliteError(error: unknown): error is InstanceType<typeof Database.SqliteError> {
  return driver !== undefined && error instanceof driver.SqliteError;
}

/** Whether `error` says another connection holds a lock SQLite wanted (`SQLITE_BUSY` and its extended codes). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}
