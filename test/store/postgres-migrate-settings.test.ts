/**
 * @module test/store/postgres-migrate-settings
 *
 * PostgreSQL migration 5 (SQLite 14): a database whose approvers and
 * published trust list are still settings rows opens with them in their
 * own tables, and the settings rows gone.
 */

import { afterAll, expect, it } from 'vitest';
import { openPgDriver } from '../../src/store/postgres/driver.js';
import { applyPgMigrations, PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { alice, bob } from '../fixtures.js';
import { describePostgres, freshDatabase, type FreshDatabase } from '../helpers/postgres.js';

describePostgres('PostgreSQL migration 5', () => {
  const databases: FreshDatabase[] = [];
  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  it('moves the approvers and the published trust list out of settings into their tables', async () => {
    const db = await freshDatabase();
    databases.push(db);
    const driver = await openPgDriver(db.url, { poolSize: 1 });
    try {
      await driver.withSession((session) => applyPgMigrations(session, PG_MIGRATIONS.slice(0, 4)));
      const put = (name: string, value: string) => driver.exec.run('INSERT INTO settings (name, value) VALUES (?, ?)', [name, value]);
      await put('approvers', JSON.stringify([bob.did, alice.did, bob.did]));
      await put('trust-list.version', '7');
      await put('trust-list.token', 'list.v7.sig');
    } finally {
      await driver.end();
    }

    const store = await openPostgresStore(db.url, { poolSize: 2 });
    try {
      expect(await store.listApprovers()).toEqual([bob.did, alice.did]);
      expect(await store.getTrustList()).toMatchObject({ version: 7, token: 'list.v7.sig' });
      expect((await store.getTrustList())?.validUntil).toBeUndefined();
      for (const name of ['approvers', 'trust-list.version', 'trust-list.token']) expect(await store.getSetting(name)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
