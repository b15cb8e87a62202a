/**
 * @module node/store-migrate
 *
 * Moving a node from its SQLite file to PostgreSQL (`legate store migrate
 * --to postgres://…`): every row of `legate.db` is copied, in one
 * PostgreSQL transaction, into an empty database (`store/postgres/copy-from-sqlite`).
 * The node must not be serving (its `serve.lock` is held for the copy, so
 * `ERR_DATA_DIR_IN_USE` otherwise). The data directory is left as it was
 * (but for `serve.lock`, created if the node never served): `legate.db` stays (a
 * backup, opened read-only here and never written), and the key files
 * (`keystore.json`, `master.key`) keep sealing the same keys, now read from
 * PostgreSQL. Nothing records the URL in the directory (it may hold a
 * password): the node runs on PostgreSQL whenever `LEGATE_DATABASE_URL` (or
 * `--store`) names the database, and on the old file otherwise, so the
 * operator moves `legate.db` aside once the new store is in use.
 */

import { join } from 'node:path';
import { legateError } from '../errors/index.js';
import type { CopiedTable } from '../store/postgres/copy-from-sqlite.js';
import { DATA_FILES } from './context.js';
import { isInitialized } from './open.js';
import { lockDataDir } from './serve-lock.js';
import { maskDatabaseUrl } from './store-location.js';

export type { CopiedTable } from '../store/postgres/copy-from-sqlite.js';

/** What {@link migrateNodeStore} did. */
export interface StoreMigration {
  /** Each table copied and its row count, in copy order. */
  tables: CopiedTable[];
  /** Rows copied in all. */
  rows: number;
  /** The target, its password masked. */
  database: string;
}

/**
 * Copies the SQLite store of the node in `dataDir` into the empty PostgreSQL
 * database at `url`.
 *
 * @throws LegateError `ERR_NOT_FOUND` when `dataDir` holds no SQLite node;
 *   `ERR_DATA_DIR_IN_USE` while a `legate serve` holds the directory;
 *   `ERR_CONFLICT` (`target_not_empty`) when the database holds any row;
 *   `ERR_STORE` when the URL is not a PostgreSQL one, either side cannot be
 *   opened, or a row cannot be written (then nothing is committed).
 */
export async function migrateNodeStore(
  dataDir: string,
  url: string,
  options: { onTable?: (copied: CopiedTable) => void } = {},
): Promise<StoreMigration> {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw legateError('ERR_STORE', 'the target must be a postgres:// or postgresql:// URL', { claim: 'url' });
  }
  if (!isInitialized(dataDir)) {
    throw legateError('ERR_NOT_FOUND', `no SQLite Legate node in ${dataDir} (legate.db and keystore.json)`, { claim: 'data' });
  }
  // A node serving meanwhile would write rows after the snapshot, lost to the copy: it is refused, and none can start until the copy ends.
  const lock = lockDataDir(dataDir);
  let tables: CopiedTable[];
  try {
    const { copySqliteToPostgres } = await import('../store/postgres/copy-from-sqlite.js');
    tables = await copySqliteToPostgres(join(dataDir, DATA_FILES.database), url, { onTable: options.onTable });
  } finally {
    lock.release();
  }
  return { tables, rows: tables.reduce((sum, t) => sum + t.rows, 0), database: maskDatabaseUrl(url) };
}
