/**
 * @module store/sqlite/integrity
 *
 * Noticing a damaged database file. SQLite reports damage it stumbles on as
 * `SQLITE_CORRUPT` (and its extended codes) or `SQLITE_NOTADB`; those become
 * `ERR_STORE_CORRUPT`, and the store that saw one refuses writes from then
 * on, so nothing more lands in a file SQLite cannot trust. Damage nothing has
 * read yet is found by SQLite's own checks: `PRAGMA quick_check` (every page's
 * structure) or `PRAGMA integrity_check` (also every index against its
 * table). Both read the whole file, so they run where an operator expects
 * the wait (`legate store check`, `legate audit verify`, `legate serve`
 * start-up), never on ordinary commands. Internal.
 */

import type Database from 'better-sqlite3';
import { isSqliteError, sqlite } from './driver.js';
import { legateError, type StoreError } from '../../errors/index.js';
import type { IntegrityReport } from '../types.js';

/** Most problem lines a check reports. */
const MAX_PROBLEMS = 100;

/** How a corruption error tells the operator what to do. */
export const RECOVERY_HINT = 'stop the node and run `legate store check` (README: "Recovering a damaged store")';

/** True for SQLite's "the file is damaged" and "not a database" errors. */
export function isCorruption(error: unknown): boolean {
  return isSqliteError(error) && /^SQLITE_(CORRUPT|NOTADB)/.test(error.code);
}

/** The `ERR_STORE_CORRUPT` for a SQLite corruption error met during `operation`. */
export function corruptionError(operation: string, cause?: unknown): StoreError {
  const code = isSqliteError(cause) ? ` (${cause.code})` : '';
  return legateError('ERR_STORE_CORRUPT', `the database is damaged: ${operation} failed${code}; ${RECOVERY_HINT}`, {
    reason: 'corrupt',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The refusal of a write on a store that has met corruption. */
export function writeRefused(operation: string): StoreError {
  return legateError('ERR_STORE_CORRUPT', `${operation} refused: the database is damaged, and nothing more is written to it; ${RECOVERY_HINT}`, {
    reason: 'corrupt',
  });
}

/**
 * Runs SQLite's check on an open connection. A corruption error thrown by
 * the check itself (a page too damaged to walk) is reported as a problem.
 */
export function runIntegrityCheck(db: Database.Database, quick: boolean): IntegrityReport {
  const mode = quick ? 'quick' : 'full';
  let problems: string[];
  try {
    const rows = db.pragma(`${quick ? 'quick_check' : 'integrity_check'}(${MAX_PROBLEMS})`) as Record<string, unknown>[];
    problems = rows.map((row) => String(Object.values(row)[0])).filter((line) => line !== 'ok');
  } catch (error) {
    if (!isCorruption(error)) throw error;
    problems = [`${(error as { code: string }).code}: ${(error as Error).message}`];
  }
  return { ok: problems.length === 0, problems: problems.slice(0, MAX_PROBLEMS), mode };
}

/**
 * Checks the database file at `path` without migrating or writing it (a
 * read-only connection, so it may run beside a serving node). A file SQLite
 * cannot even open as a database is reported, not thrown.
 * @throws StoreError `ERR_STORE` when the file cannot be opened at all (missing, unreadable).
 *
 * @example
 * ```ts
 * const report = await checkSqliteFile('.legate/legate.db');
 * if (!report.ok) console.error(report.problems.join('\n'));
 * ```
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so failures reject instead of throwing
export async function checkSqliteFile(path: string, options: { quick?: boolean } = {}): Promise<IntegrityReport> {
  const quick = options.quick === true;
  let db: Database.Database;
  try {
    db = new (sqlite())(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    if (isCorruption(error)) return { ok: false, problems: [(error as Error).message], mode: quick ? 'quick' : 'full' };
    throw legateError('ERR_STORE', `cannot open ${path}`, { cause: error });
  }
  try {
    return runIntegrityCheck(db, quick);
  } finally {
    db.close();
  }
}
