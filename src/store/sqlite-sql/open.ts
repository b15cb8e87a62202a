/**
 * @module store/sqlite-sql/open
 *
 * SQLite through the shared repositories (`store/sql`) instead of the
 * hand-written statements of `store/sqlite/open`: the same file format and
 * migrations (`store/sqlite/migrations`), the same contract, one SQL text
 * for both backends. Not the default yet: it lacks what `openSqliteStore`
 * adds around the statements — read-only opening, refusing writes after a
 * corruption error, background WAL checkpoints, the cached allocation
 * counts. Internal, for tests and the switch-over.
 */

import { legateError } from '../../errors/index.js';
import { createSqlStore } from '../sql/store.js';
import type { Store } from '../types.js';
import { sqlite } from '../sqlite/driver.js';
import { runIntegrityCheck } from '../sqlite/integrity.js';
import { applyMigrations } from '../sqlite/migrations.js';
import { sqliteExecutor } from './driver.js';

/** How long a statement waits for another process's lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) and migrates the SQLite database at `path`
 * (`':memory:'` for a private one), as a store over the shared repositories.
 *
 * @throws StoreError `ERR_STORE` when it cannot be opened or migrated.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so failures reject instead of throwing
export async function openSqliteSqlStore(path: string): Promise<Store> {
  if (typeof path !== 'string' || path.length === 0) {
    throw legateError('ERR_STORE', 'the database path must be a non-empty string', { claim: 'path' });
  }
  let db: ReturnType<typeof sqlite> extends new (...args: never[]) => infer D ? D : never;
  try {
    db = new (sqlite())(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (cause) {
    throw legateError('ERR_STORE', 'could not open the database', { cause });
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    applyMigrations(db);
  } catch (cause) {
    db.close();
    throw legateError('ERR_STORE', 'could not open the database', { cause });
  }
  const exec = sqliteExecutor(db);
  return createSqlStore({
    exec,
    checkIntegrity: (options) => exec.transaction(() => Promise.resolve(runIntegrityCheck(db, options.quick === true))),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  });
}
