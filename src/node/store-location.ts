/**
 * @module node/store-location
 *
 * Where a node's store is: the SQLite file `legate.db` in its data
 * directory (the default), or the PostgreSQL database its `database`
 * setting names (`LEGATE_DATABASE_URL`, `--store`), which every instance of
 * a fleet shares. The data directory holds the keys' sealing either way.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../store/sqlite/open.js';
import type { Store } from '../store/types.js';
import { DATA_FILES, type NodeOptions } from './context.js';

/** What locating the store needs from the node's options. */
export type StoreOptions = Pick<NodeOptions, 'dataDir' | 'database' | 'databasePoolSize' | 'databaseCounters'>;

/** The PostgreSQL URL in force, or undefined for the data directory's SQLite file. */
export function databaseUrl(options: Pick<NodeOptions, 'database'>): string | undefined {
  const url = options.database;
  return url === undefined || url === '' ? undefined : url;
}

/** Whether the store is there to open: a PostgreSQL URL is given, or the SQLite file exists. */
export function storeExists(options: StoreOptions): boolean {
  return databaseUrl(options) !== undefined || existsSync(join(options.dataDir, DATA_FILES.database));
}

/** Opens (and migrates) the node's store; the PostgreSQL backend is loaded only for a node that uses it. */
export async function openNodeStore(options: StoreOptions): Promise<Store> {
  const url = databaseUrl(options);
  if (url === undefined) return openSqliteStore(join(options.dataDir, DATA_FILES.database));
  const { openPostgresStore } = await import('../store/postgres/open.js');
  return openPostgresStore(url, { poolSize: options.databasePoolSize, counters: options.databaseCounters });
}

/** A database URL fit to print: its password replaced by `***` (an unparsable URL is not printed at all). */
export function maskDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<database URL>';
  }
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
