/**
 * @module test/store/postgres
 *
 * The PostgreSQL backend: the shared store contract against a fresh
 * database per test, then the concurrency contract with two store handles
 * (two pools, as two instances would have) on one database.
 */

import { afterEach, describe, it } from 'vitest';

import { openPostgresStore } from '../../src/store/postgres/open.js';
import type { Store } from '../../src/store/types.js';
import { concurrencyContract, type StorePair } from './concurrency-contract.js';
import { storeContract } from './contract.js';
import { freshDatabase, pgSkipReason } from './pg-fresh.js';

const drops: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(drops.splice(0).map((drop) => drop()));
});

async function freshStore(): Promise<Store> {
  const { url, drop } = await freshDatabase();
  const store = await openPostgresStore(url, { poolSize: 4 });
  drops.push(async () => {
    await store.close();
    await drop();
  });
  return store;
}

const skipped = pgSkipReason;
if (skipped === undefined) {
  storeContract('postgres', freshStore, { singleWriter: false });
} else {
  describe('Store contract: postgres', () => {
    it.skip(skipped, () => {
      // Nothing to run without a cluster.
    });
  });
}

async function freshPair(): Promise<StorePair> {
  const { url, drop } = await freshDatabase();
  // Opened together: the second waits on the migration lock and finds the schema done.
  const [a, b] = await Promise.all([openPostgresStore(url, { poolSize: 4 }), openPostgresStore(url, { poolSize: 4 })]);
  return {
    a,
    b,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      await drop();
    },
  };
}

if (skipped === undefined) {
  concurrencyContract('postgres, two instances', freshPair);
} else {
  describe('Store concurrency contract: postgres', () => {
    it.skip(skipped, () => {
      // Nothing to run without a cluster.
    });
  });
}
