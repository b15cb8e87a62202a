/**
 * @module store/postgres/open
 *
 * The PostgreSQL backend of {@link Store}: the shared repositories
 * (`store/sql`) over a bounded pool (`./driver`), the schema migrated on
 * open (`./migrations`). Several stores — several `legate serve` processes —
 * may share one database: replay claims, idempotent answers and leases are
 * single statements the keys make atomic; budget and rate checks, audit
 * appends and status-index allocation take a transaction-scoped advisory
 * lock on what they read (one usage key, the audit chain, one status list),
 * so unrelated work never waits on them.
 *
 * Unlike SQLite, transactions of one store run concurrently (one pooled
 * connection each) at READ COMMITTED: a transaction sees rows other
 * transactions commit meanwhile unless it holds the lock that orders them.
 *
 * `changeStamp()` comes from the change feed (`./changes`: one more
 * connection, outside the pool, LISTENing for the notices the triggers of
 * migration 4 send) and this process's own writes: undefined while the feed
 * is not listening, so a node keeps nothing it cannot invalidate.
 */

import { legateError } from '../../errors/index.js';
import { createSqlStore } from '../sql/store.js';
import type { Store } from '../types.js';
import type { ChangeFeedOptions } from './changes.js';
import { openPgDriver } from './driver.js';
import type { PgCounters } from './statements.js';
import { applyPgMigrations } from './migrations.js';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** Most connections the store opens at once (default {@link DEFAULT_POOL_SIZE}). */
  poolSize?: number | undefined;
  /** Counted into when given: statements, transactions and lock waits (the fleet bench reads them); off by default. */
  counters?: PgCounters | undefined;
  /** The change feed's heartbeat and retry (tests shorten them). */
  changeFeed?: ChangeFeedOptions | undefined;
}

export const DEFAULT_POOL_SIZE = 10;

/**
 * Connects to the database at `url` (`postgres://user:pass@host:port/db`),
 * migrates it to the current schema, and returns the store.
 *
 * @throws StoreError `ERR_STORE` when the URL or pool size is unusable, the
 *   server cannot be reached, or the schema is newer than this Legate knows.
 *
 * @example
 * ```ts
 * const store = await openPostgresStore('postgres://legate@127.0.0.1:5432/legate', { poolSize: 10 });
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
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
    throw legateError('ERR_STORE', 'the database URL must start with postgres:// or postgresql://', { claim: 'url' });
  }
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
    throw legateError('ERR_STORE', 'the pool size must be a positive integer', { claim: 'poolSize' });
  }
  const driver = await openPgDriver(url, { poolSize, counters: options.counters });
  try {
    await driver.withSession((session) => applyPgMigrations(session));
  } catch (error) {
    await driver.end().catch(() => undefined);
    throw error;
  }
  const feed = driver.changeFeed(options.changeFeed);
  // Listening (or having failed once) before the first request: a stamp from the start, when the database allows.
  await feed.ready;
  return createSqlStore({
    exec: driver.exec,
    changeStamp() {
      const listened = feed.stamp();
      return listened === undefined ? undefined : `${listened}.${driver.localChanges()}`;
    },
    // PostgreSQL checks its pages itself (checksums, when the cluster has them); here: that the database answers.
    async checkIntegrity(options) {
      await driver.exec.get('SELECT 1 AS one');
      return { ok: true, problems: [], mode: options.quick === true ? 'quick' : 'full' };
    },
    close: async () => {
      await feed.close();
      await driver.end();
    },
  });
}
