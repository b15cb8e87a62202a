/**
 * @module node/serve-lock
 *
 * One server per data directory. Two servers on one store split nothing
 * fairly (one took every allowed action of a budget round), so the second is
 * refused with `ERR_DATA_DIR_IN_USE`. CLI commands take no lock and keep
 * working while a server runs: SQLite's own locking serializes their writes.
 *
 * The lock is an operating-system file lock, taken through SQLite on
 * `serve.lock` (a tiny database): the holder keeps a write transaction open
 * (SQLite's RESERVED lock, an fcntl lock on Unix) for as long as it serves. The
 * kernel drops the lock when the process dies, however it dies, so there is
 * never a stale lock to clean up, and no pid check that a reused pid could
 * fool. The file stays behind; its presence means nothing. The pid it
 * records is only for the refusal message.
 */

import type Database from 'better-sqlite3';
import { isBusyError, sqlite } from '../store/sqlite/driver.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { legateError } from '../errors/index.js';
import { createPrivateFile } from './data-dir.js';

/** The lock file in a data directory. */
export const SERVE_LOCK_FILE = 'serve.lock';

/** A held data-directory lock. */
export interface DataDirLock {
  /** Releases the lock (idempotent). */
  release(): void;
}

interface HolderRow {
  pid: number;
  started_at: string;
}

/** Another process holds the lock (or, for `SQLITE_LOCKED`, another connection of this one). */
function isBusy(error: unknown): boolean {
  return isBusyError(error) || (error as { code?: unknown } | null)?.code === 'SQLITE_LOCKED';
}

/** Who holds the lock, when that can be read (best effort, for the message). */
function holderOf(db: Database.Database): HolderRow | undefined {
  try {
    return db.prepare('SELECT pid, started_at FROM holder').get() as HolderRow | undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the serving lock of `dataDir`, or refuses.
 * @throws StoreError `ERR_DATA_DIR_IN_USE` when another server (in this
 * process or another) holds it; `ERR_STORE` when the lock file cannot be used.
 *
 * @example
 * ```ts
 * const lock = lockDataDir('.legate');
 * try { ...serve... } finally { lock.release(); }
 * ```
 */
export function lockDataDir(dataDir: string, clock: () => Date = () => new Date()): DataDirLock {
  const path = join(dataDir, SERVE_LOCK_FILE);
  let db: Database.Database;
  try {
    if (!existsSync(path)) createPrivateFile(path);
  } catch (error) {
    // Another process created it between the check and the create: that is fine.
    if ((error as { code?: unknown }).code !== 'EEXIST') {
      throw legateError('ERR_STORE', `cannot create ${path}`, { cause: error });
    }
  }
  try {
    db = new (sqlite())(path, { timeout: 0 });
  } catch (error) {
    throw legateError('ERR_STORE', `cannot open ${path}`, { cause: error });
  }
  try {
    db.pragma('busy_timeout = 0');
    // Record the pid first (a short write), then hold an open write transaction for the server's lifetime.
    db.exec('BEGIN IMMEDIATE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, started_at TEXT NOT NULL)');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid, started_at) VALUES (?, ?)').run(process.pid, clock().toISOString());
    db.exec('COMMIT');
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    const holder = isBusy(error) ? holderOf(db) : undefined;
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
    if (!isBusy(error)) throw legateError('ERR_STORE', `cannot lock ${path}`, { cause: error });
    const who = holder === undefined || holder.pid === process.pid ? 'another server' : `process ${holder.pid} (since ${holder.started_at})`;
    throw legateError('ERR_DATA_DIR_IN_USE', `${dataDir} is already being served by ${who}; stop it first (CLI commands need no server stopped)`, {
      claim: 'data',
    });
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
