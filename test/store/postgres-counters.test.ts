/**
 * @module test/store/postgres-counters
 *
 * The PostgreSQL store's opt-in counters (`counters`, what the fleet bench
 * reads): every round trip, transaction control included, each top-level
 * transaction, and each advisory lock with the time spent waiting for it.
 */

import pg from 'pg';
import { afterEach, expect, it, vi } from 'vitest';

import { openPostgresStore } from '../../src/store/postgres/open.js';
import { pgCounters } from '../../src/store/postgres/statements.js';
import { describePostgres, freshDatabase } from '../helpers/postgres.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describePostgres('PostgreSQL store counters', () => {
  it('counts statements, transactions and lock waits when given counters', async () => {
    const db = await freshDatabase();
    cleanups.push(() => db.drop());
    const counters = pgCounters();
    const store = await openPostgresStore(db.url, { poolSize: 2, counters });
    cleanups.push(() => store.close());
    // Opening migrated the schema on a session of its own: counted like any statement.
    const opened = { ...counters };
    expect(opened.transactions).toBe(0);

    await store.getOrganization();
    // A decision's shape: BEGIN, lock the usage key, read it, record, COMMIT.
    await store.transaction(async (tx) => {
      await tx.listUsage('budget:a', '2025-01-01T00:00:00.000Z');
      await tx.listUsage('budget:a', '2025-01-01T00:00:00.000Z');
      await tx.recordUsage({ key: 'budget:a', at: '2025-01-02T00:00:00.000Z' });
    });
    expect(counters.statements - opened.statements).toBe(1 + 6);
    expect(counters.transactions).toBe(1);
    // A credential's status entries (one per purpose) in one round trip; a batch's 300 in two.
    const entry = { credentialId: 'urn:uuid:c1', listId: 'r1', index: 7, purpose: 'revocation' as const };
    const beforeAllocations = counters.statements;
    await store.putStatusAllocations([entry, { ...entry, purpose: 'suspension', listId: 's1' }]);
    expect(counters.statements - beforeAllocations).toBe(1);
    await store.putStatusAllocations(Array.from({ length: 300 }, (_, i) => ({ ...entry, credentialId: `urn:uuid:b${i}`, index: 100 + i })));
    expect(counters.statements - beforeAllocations).toBe(3);
    expect(await store.getStatusAllocations('urn:uuid:c1')).toHaveLength(2);
    // The second read of the key in one transaction holds its lock already: no second lock.
    expect(counters.locks).toBe(1);

    // A second transaction on the key waits while the first holds it: the wait is counted.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const first = store.transaction(async (tx) => {
      await tx.listUsage('budget:a', '2025-01-01T00:00:00.000Z');
      locked();
      await held;
    });
    await holding;
    const before = counters.lockWaitMs;
    const second = store.transaction((tx) => tx.listUsage('budget:a', '2025-01-01T00:00:00.000Z'));
    // Only once the second transaction is queued on the lock (a busy machine may take a while to get it there) does its wait begin.
    const watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
    cleanups.push(() => watcher.end());
    await vi.waitFor(async () => {
      const { rows } = await watcher.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
      expect(rows[0]!.n).toBe(1);
    }, { timeout: 20_000, interval: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await Promise.all([first, second]);
    expect(counters.transactions).toBe(3);
    expect(counters.locks).toBe(3);
    expect(counters.lockWaitMs - before).toBeGreaterThanOrEqual(250);
    expect(Object.keys(counters.lockWaitMsByKind)).toEqual(['usage']);
    expect(counters.lockWaitMsByKind.usage).toBe(counters.lockWaitMs);
  });
});
