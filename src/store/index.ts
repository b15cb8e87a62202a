/**
 * @module store
 *
 * Persistence for a Legate node: the {@link Store} contract and its record
 * types, the embedded SQLite backend ({@link openSqliteStore}) and the
 * PostgreSQL backend for a fleet of instances ({@link openPostgresStore}).
 * Code that needs persistence depends on `Store`, never on a backend; every
 * backend passes the shared contract suite.
 */

export type * from './types.js';
export type * from './ports/index.js';
export { openSqliteStore } from './sqlite/open.js';
export type { SqliteStoreOptions } from './sqlite/open.js';
export { checkSqliteFile } from './sqlite/integrity.js';
export { openPostgresStore } from './postgres/open.js';
export type { PostgresStoreOptions } from './postgres/open.js';
export { pgCounters } from './postgres/statements.js';
export type { PgCounters } from './postgres/statements.js';
