/**
 * @module test/store/postgres-changes
 *
 * `changeStamp()` on PostgreSQL (store/postgres/changes): the triggers of
 * migration 4 notify `legate_change` for writes to keys, settings and status
 * lists only; a store's own write moves its stamp at once; another handle's
 * commit moves it when the notice arrives; the stamp is undefined while the
 * feed's connection is gone (terminated by the server) or silent for two
 * heartbeats, and comes back as a stamp never seen before.
 */

import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { CHANGE_CHANNEL, CHANGE_FEED_APPLICATION } from '../../src/store/postgres/changes.js';
import { openPostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/open.js';
import type { Store } from '../../src/store/types.js';
import { alice, organization } from './contract.js';
import { describePostgres, freshDatabase } from '../helpers/postgres.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh database and `count` stores on it. */
async function stores(count: number, options: PostgresStoreOptions = {}): Promise<{ url: string; handles: Store[] }> {
  const db = await freshDatabase();
  cleanups.push(() => db.drop());
  const handles: Store[] = [];
  for (let i = 0; i < count; i++) {
    const store = await openPostgresStore(db.url, { poolSize: 2, ...options });
    cleanups.push(() => store.close());
    handles.push(store);
  }
  return { url: db.url, handles };
}

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  cleanups.push(() => c.end());
  return c;
}

/** Polls until `check` passes (generous: a busy two-core machine). */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 20_000, interval: 20 });

const list = { id: 'r1', issuer: organization.did, purpose: 'revocation' as const, size: 131072, bits: new Uint8Array(16384), version: 1, createdAt: '2025-03-01T00:00:00.000Z', updatedAt: '2025-03-01T00:00:00.000Z' };
const key = { kid: `${alice.did}#key-1`, controller: alice.did, publicKeyMultibase: 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', sealedPrivateKey: new Uint8Array([1, 2, 3]), status: 'active' as const, createdAt: alice.createdAt };

describePostgres('the change stamp on PostgreSQL', () => {
  it('notifies legate_change for writes to agents, keys, settings, status lists and the trust list, and for nothing else', async () => {
    const { url, handles: [store] } = await stores(1);
    const listener = await client(url);
    const notices: string[] = [];
    listener.on('notification', (n) => notices.push(`${n.channel}:${n.payload ?? ''}`));
    await listener.query(`LISTEN ${CHANGE_CHANNEL}`);
    await store!.claimOnce('oauth:dpop:x', '2999-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z');
    await store!.putSession({ id: 'jti-1', chains: {}, expiresAt: '2999-01-01T00:00:00.000Z' });
    await store!.recordUsage({ key: 'k', at: '2025-01-01T00:00:00.000Z' });
    await store!.putAgent(alice);
    await store!.putKey(key);
    await store!.putSetting('registry.trustList.token', 'eyJ.v1.sig');
    await store!.putStatusList(list);
    await store!.putApprovers([alice.did]);
    await store!.putTrustList({ version: 1, token: 'list.v1.sig', publishedAt: '2025-01-01T00:00:00.000Z' });
    // Notices come in commit order: had the first writes (or the approvers) sent any, they would come before these.
    await eventually(() => expect(notices.length).toBeGreaterThanOrEqual(5));
    await listener.query('SELECT 1');
    expect(notices).toEqual([`${CHANGE_CHANNEL}:agents`, `${CHANGE_CHANNEL}:keys`, `${CHANGE_CHANNEL}:settings`, `${CHANGE_CHANNEL}:status_lists`, `${CHANGE_CHANNEL}:trust_list`]);
  });

  it("moves a store's stamp at once on its own writes, in a transaction at its end, and not on other writes", async () => {
    const { handles: [store] } = await stores(1);
    const first = store!.changeStamp!();
    expect(first).toBeDefined();
    await store!.claimOnce('oauth:dpop:x', '2999-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z');
    await store!.recordUsage({ key: 'k', at: '2025-01-01T00:00:00.000Z' });
    expect(store!.changeStamp!()).toBe(first);
    await store!.putSetting('registry.trustList.token', 'eyJ.v1.sig');
    const afterWrite = store!.changeStamp!();
    expect(afterWrite).not.toBe(first);
    // The write's own notice moves it once more, whether it arrived before the write's promise settled or after.
    const notices = (stamp: string | undefined) => Number(stamp!.split('.')[1]);
    await eventually(() => expect(notices(store!.changeStamp!())).toBe(notices(first) + 1));
    const settled = store!.changeStamp!();
    let during: string | undefined;
    await store!.transaction(async (tx) => {
      await tx.putKey(key);
      during = store!.changeStamp!();
    });
    const afterCommit = store!.changeStamp!();
    // Not before the transaction ends (what it wrote is not committed yet), at once when it does.
    expect(during).toBe(settled);
    expect(afterCommit).not.toBe(settled);
    // A transaction rolled back after such a write moves it too (what was read meanwhile may have seen it).
    await expect(
      store!.transaction(async (tx) => {
        await tx.setKeyStatus(key.kid, 'retired');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(store!.changeStamp!()).not.toBe(afterCommit);
  });

  it("moves another handle's stamp when the notice of a commit arrives", async () => {
    const { handles: [a, b] } = await stores(2);
    const before = b!.changeStamp!();
    expect(before).toBeDefined();
    await a!.putStatusList(list);
    await eventually(() => expect(b!.changeStamp!()).not.toBe(before));
    expect(b!.changeStamp!()).toBeDefined();
    const settled = b!.changeStamp!();
    await a!.transaction(async (tx) => {
      await tx.updateStatusList('r1', { bits: new Uint8Array(16384), version: 2, token: 'v2', updatedAt: '2025-03-02T00:00:00.000Z' });
    });
    await eventually(() => expect(b!.changeStamp!()).not.toBe(settled));
  });

  it('is undefined while the feed connection is gone, then comes back as a stamp never seen before', async () => {
    const { url, handles: [store] } = await stores(1, { changeFeed: { heartbeatMs: 500 } });
    const seen = [store!.changeStamp!()];
    expect(seen[0]).toBeDefined();
    const admin = await client(url);
    const { rows } = await admin.query<{ ended: boolean }>('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [CHANGE_FEED_APPLICATION]);
    expect(rows).toEqual([{ ended: true }]);
    await eventually(() => expect(store!.changeStamp!()).toBeUndefined());
    let now: string | undefined;
    await eventually(() => expect((now = store!.changeStamp!())).toBeDefined());
    expect(seen).not.toContain(now);
    // Listening again: a commit elsewhere is seen as before.
    await admin.query("INSERT INTO settings (name, value) VALUES ('x', 'y')");
    await eventually(() => expect(store!.changeStamp!()).not.toBe(now));
  });

  it('is undefined when the feed has not answered a heartbeat for two of them, and once the store is closed', async () => {
    let now = 0;
    const { handles: [store] } = await stores(1, { changeFeed: { heartbeatMs: 60_000, now: () => now } });
    expect(store!.changeStamp!()).toBeDefined();
    now += 120_000;
    expect(store!.changeStamp!()).toBeDefined();
    now += 1;
    expect(store!.changeStamp!()).toBeUndefined();
    await store!.close();
    expect(store!.changeStamp!()).toBeUndefined();
  });
});

describe('the change feed module', () => {
  it('names its channel as migration 4 does', async () => {
    const { PG_MIGRATIONS } = await import('../../src/store/postgres/migrations.js');
    expect(PG_MIGRATIONS.find((m) => m.version === 4)?.sql).toContain(`pg_notify('${CHANGE_CHANNEL}'`);
  });
});
