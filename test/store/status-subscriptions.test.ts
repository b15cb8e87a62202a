// Subscriptions to a node's status lists (revocation push, #17 item 5): one repository (store/sql) on every backend,
// SQLite and PostgreSQL alike. Bounds per subscriber and in total, renewal, expiry.
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import type { Store } from '../../src/store/types.js';
import { alice, bob, mallory } from '../fixtures.js';
import { describePostgres, freshDatabase, type FreshDatabase } from '../helpers/postgres.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T01:00:00.000Z';
const T2 = '2026-01-01T02:00:00.000Z';
const bounds = { perSubscriber: 2, total: 3 };

function contract(name: string, open: () => Promise<Store>): void {
  describe(name, () => {
    it('keeps subscribers per list until they expire, renews in place, and bounds per subscriber and in total', async () => {
      const store = await open();
      try {
        const put = (who: string, lists: string[], until = T1, now = T0) => store.transaction((tx) => tx.putStatusSubscriptions(who, lists, until, now, bounds));
        expect(await put(alice.did, ['r-1', 'r-2'])).toBe('subscribed');
        // A third list is past alice's bound; a renewal of what she holds is not.
        expect(await put(alice.did, ['r-3'])).toBe('per-subscriber');
        expect(await put(alice.did, ['r-1', 'r-2'], T2)).toBe('subscribed');
        expect(await put(bob.did, ['r-1'])).toBe('subscribed');
        expect(await put(mallory.did, ['r-1'])).toBe('total');
        expect(await store.listStatusSubscribers('r-1', T0)).toEqual([alice.did, bob.did].sort());
        expect(await store.listStatusSubscribers('r-3', T0)).toEqual([]);
        // Bob's subscription ends at T1; alice's renewal runs to T2.
        expect(await store.listStatusSubscribers('r-1', T1)).toEqual([alice.did]);
        // Expired rows count for nothing: once bob's is gone there is room for mallory.
        expect(await put(mallory.did, ['r-1'], T2, T1)).toBe('subscribed');
        expect(await store.listStatusSubscribers('r-1', T1)).toEqual([alice.did, mallory.did].sort());
      } finally {
        await store.close();
      }
    });
  });
}

contract('the default SQLite store', () => openSqliteStore(':memory:'));

describePostgres('PostgreSQL', () => {
  const databases: FreshDatabase[] = [];
  afterAll(async () => {
    for (const db of databases) await db.drop();
  });
  contract('the PostgreSQL store', async () => {
    const db = await freshDatabase();
    databases.push(db);
    return openPostgresStore(db.url, { poolSize: 2 });
  });
});
