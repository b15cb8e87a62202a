/**
 * @module node/integrity
 *
 * Whether a node's database file is sound, by SQLite's own integrity check.
 * The check reads every page, so it runs where an operator expects the
 * wait: `legate serve` start-up (the quick check), `legate audit verify` and
 * `legate store check` (the full one), never on ordinary commands. A store
 * that fails it refuses writes with `ERR_STORE_CORRUPT` from then on.
 */

import { join } from 'node:path';
import { legateError, type StoreError } from '../errors/index.js';
import { checkSqliteFile } from '../store/sqlite/integrity.js';
import type { IntegrityReport } from '../store/types.js';
import { DATA_FILES, type NodeContext } from './context.js';
import { isInitialized } from './open.js';
import { databaseUrl, openNodeStore } from './store-location.js';

/**
 * Checks the database of the node in `dataDir` without opening the node:
 * read-only, no migration, so it runs beside a serving node and on a file
 * too damaged to open as a store.
 * @throws LegateError `ERR_NOT_FOUND` when `dataDir` holds no node.
 */
export async function checkNodeDatabase(dataDir: string, options: { quick?: boolean; database?: string | undefined } = {}): Promise<IntegrityReport> {
  if (!isInitialized(dataDir, options.database)) {
    throw legateError('ERR_NOT_FOUND', `no Legate node in ${dataDir} (run \`legate init\`)`, { claim: 'data' });
  }
  if (databaseUrl(options) !== undefined) {
    // PostgreSQL checks its own pages (data checksums, when the cluster has them): the store's check only sees that it answers.
    const store = await openNodeStore({ dataDir, database: options.database });
    try {
      return await store.checkIntegrity({ quick: options.quick === true });
    } finally {
      await store.close();
    }
  }
  return checkSqliteFile(join(dataDir, DATA_FILES.database), options);
}

/** The error for a failed check, naming the first problem SQLite found. */
export function corruptStoreError(report: IntegrityReport): StoreError {
  const more = report.problems.length > 1 ? ` (and ${report.problems.length - 1} more)` : '';
  return legateError(
    'ERR_STORE_CORRUPT',
    `the database failed SQLite's integrity check: ${report.problems[0] ?? 'unknown problem'}${more}; stop the node and run \`legate store check\` (README: "Recovering a damaged store")`,
    { reason: 'corrupt' },
  );
}

/**
 * Runs the store's integrity check (quick by default) and throws when it fails.
 * @throws StoreError `ERR_STORE_CORRUPT` when SQLite reports damage.
 */
export async function assertStoreIntact(ctx: NodeContext, options: { quick?: boolean } = {}): Promise<void> {
  const report = await ctx.store.checkIntegrity({ quick: options.quick ?? true });
  if (!report.ok) throw corruptStoreError(report);
}
