/**
 * @module store
 *
 * Persistence for a Legate node: the {@link Store} contract and its record
 * types, and the embedded SQLite backend ({@link openSqliteStore}). Code that
 * needs persistence depends on `Store`, never on a backend, so a PostgreSQL
 * backend can slot in later; every backend passes the shared contract suite.
 */

export type * from './types.js';
export type * from './ports/index.js';
export { approversInSettings } from './ports/approvals.js';
export { openSqliteStore } from './sqlite/open.js';
export type { SqliteStoreOptions } from './sqlite/open.js';
export { checkSqliteFile } from './sqlite/integrity.js';
