/**
 * @module test/store/postgres-migrate-settings
 *
 * PostgreSQL migrations 5 and 6 (SQLite 14 and 15): a database whose
 * approvers, published trust list and key retirements are still settings
 * rows opens with them in their own tables and columns, and the settings
 * rows gone.
 */

import { afterAll, expect, it } from 'vitest';
import { openPgDriver } from '../../src/store/postgres/driver.js';
import { applyPgMigrations, PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import type { SqlExecutor } from '../../src/store/sql/executor.js';
import type { Store } from '../../src/store/types.js';
import { alice, bob } from '../fixtures.js';
import { describePostgres, freshDatabase, type FreshDatabase } from '../helpers/postgres.js';

describePostgres('PostgreSQL migrations 5 and 6', () => {
  const databases: FreshDatabase[] = [];
  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  /** A fresh database migrated to `version` only, with `seed` run on it, then opened as a store (the rest migrates). */
  async function upgraded(version: number, seed: (exec: SqlExecutor, put: (name: string, value: string) => Promise<unknown>) => Promise<void>): Promise<Store> {
    const db = await freshDatabase();
    databases.push(db);
    const driver = await openPgDriver(db.url, { poolSize: 1 });
    try {
      await driver.withSession((session) => applyPgMigrations(session, PG_MIGRATIONS.slice(0, version)));
      await seed(driver.exec, (name, value) => driver.exec.run('INSERT INTO settings (name, value) VALUES (?, ?)', [name, value]));
    } finally {
      await driver.end();
    }
    return openPostgresStore(db.url, { poolSize: 2 });
  }

  it('moves the approvers and the published trust list out of settings into their tables', async () => {
    const store = await upgraded(4, async (_exec, put) => {
      await put('approvers', JSON.stringify([bob.did, alice.did, bob.did]));
      await put('trust-list.version', '7');
      await put('trust-list.token', 'list.v7.sig');
    });
    try {
      expect(await store.listApprovers()).toEqual([bob.did, alice.did]);
      expect(await store.getTrustList()).toMatchObject({ version: 7, token: 'list.v7.sig' });
      expect((await store.getTrustList())?.validUntil).toBeUndefined();
      for (const name of ['approvers', 'trust-list.version', 'trust-list.token']) expect(await store.getSetting(name)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it("moves each key's retirement onto its row (migration 6), leaving a malformed one unrecorded", async () => {
    const store = await upgraded(5, async (exec, put) => {
      for (const who of [alice, bob]) {
        await exec.run(
          "INSERT INTO keys (kid, controller, public_key_multibase, sealed_private_key, status, created_at) VALUES (?, ?, 'z6Mk', ?, 'retired', '2025-01-01T00:00:00.000Z')",
          [`${who.did}#key-1`, who.did, new Uint8Array([1])],
        );
      }
      await put(`key.retired:${alice.did}#key-1`, JSON.stringify({ at: '2025-05-02T00:00:00.000Z', reason: 'compromised', compromisedSince: '2025-04-20T00:00:00.000Z' }));
      await put(`key.retired:${bob.did}#key-1`, JSON.stringify({ at: '2025-05-02T00:00:00.000Z', reason: 'lost' }));
    });
    try {
      expect((await store.getKey(`${alice.did}#key-1`))?.retirement).toEqual({ at: '2025-05-02T00:00:00.000Z', reason: 'compromised', compromisedSince: '2025-04-20T00:00:00.000Z' });
      expect(await store.getKey(`${bob.did}#key-1`)).toMatchObject({ status: 'retired' });
      expect((await store.getKey(`${bob.did}#key-1`))?.retirement).toBeUndefined();
      for (const who of [alice, bob]) expect(await store.getSetting(`key.retired:${who.did}#key-1`)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
