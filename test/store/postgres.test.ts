/**
 * @module test/store/postgres
 *
 * The PostgreSQL backend: the shared store contract against a fresh
 * database per test, then the concurrency contract with two store handles
 * (two pools, as two instances would have) on one database, then what only
 * PostgreSQL has. Runs on the run's throwaway cluster (test/helpers/postgres);
 * skipped, saying why, without PostgreSQL binaries (never under CI).
 */

import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { IDLE_IN_TRANSACTION_MS, openPgDriver } from '../../src/store/postgres/driver.js';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import type { AgentStatus, CredentialRecord, KeyRecord, Store } from '../../src/store/types.js';
import { concurrencyContract, type StorePair } from './concurrency-contract.js';
import { alice, bob, mallory, organization, storeContract } from './contract.js';
import { describePostgres, freshDatabase } from '../helpers/postgres.js';

const drops: (() => Promise<void>)[] = [];

/**
 * Brings the empty database at `url` to schema `version` as a Legate of
 * that version left it (its migrations and their rows), then writes what
 * `seed` writes there, on a connection of its own.
 */
async function migrateTo(url: string, version: number, seed: (admin: pg.Client) => Promise<void>): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    for (const migration of PG_MIGRATIONS.slice(0, version)) {
      await admin.query(migration.sql);
      await admin.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
    }
    await seed(admin);
  } finally {
    await admin.end();
  }
}

afterEach(async () => {
  await Promise.all(drops.splice(0).map((drop) => drop()));
});

/** The database of the last {@link freshStore}. */
let lastUrl = '';

async function freshStore(): Promise<Store> {
  const db = await freshDatabase();
  const { url } = db;
  lastUrl = url;
  const store = await openPostgresStore(url, { poolSize: 4 });
  drops.push(async () => {
    await store.close();
    await db.drop();
  });
  return store;
}

async function freshPair(): Promise<StorePair> {
  const db = await freshDatabase();
  const { url } = db;
  // Opened together: the second waits on the migration lock and finds the schema done.
  const [a, b] = await Promise.all([openPostgresStore(url, { poolSize: 4 }), openPostgresStore(url, { poolSize: 4 })]);
  return {
    a,
    b,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      await db.drop();
    },
  };
}

/** Resolves after a few macrotask turns. */
async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 1));
}

describePostgres('PostgreSQL backend', () => {
  storeContract('postgres', freshStore, { singleWriter: false });
  concurrencyContract('postgres, two instances', freshPair);
  describePostgresSpecifics();
});

/** What only the PostgreSQL store has: its error mapping, transaction edges, locks, pool and migrations. */
function describePostgresSpecifics(): void {
  describe('PostgreSQL store', () => {
    let store: Store;

    beforeEach(async () => {
      store = await freshStore();
    });

    describe('records and errors', () => {
      const secretKey: KeyRecord = {
        kid: `${alice.did}#key-1`,
        controller: alice.did,
        publicKeyMultibase: 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
        sealedPrivateKey: new TextEncoder().encode('SEALED-SECRET-BYTES'),
        status: 'active',
        createdAt: alice.createdAt,
      };
      const secretCredential: CredentialRecord = {
        id: 'urn:uuid:7f3c1d2e-0000-4000-8000-000000000001',
        type: 'AgentCapabilityCredential',
        issuer: organization.did,
        subject: alice.did,
        format: 'vc+jwt',
        token: 'eyJTECRET.TOKEN.SIGNATURE',
        issuedAt: '2025-02-01T00:00:00.000Z',
      };

      it('returns plain Uint8Arrays and omits absent optional fields', async () => {
        await store.putCredential(secretCredential);
        await store.putKey(secretKey);
        const credential = await store.getCredential(secretCredential.id);
        expect(credential && Object.keys(credential)).not.toContain('validUntil');
        expect((await store.getKey(secretKey.kid))?.sealedPrivateKey.constructor).toBe(Uint8Array);
      });

      it('names the conflicting column in claim, as SQLite does, never the values', async () => {
        await store.putAgent(alice);
        await store.putKey(secretKey);
        await store.putCredential(secretCredential);
        await store.putStatusAllocations([{ credentialId: 'urn:uuid:c1', listId: 'r1', index: 7, purpose: 'revocation' }]);
        const errors = await Promise.all([
          store.putAgent({ ...mallory, did: alice.did }).catch((e: unknown) => e),
          store.putAgent({ ...alice, did: mallory.did }).catch((e: unknown) => e),
          store.putKey(secretKey).catch((e: unknown) => e),
          store.putCredential(secretCredential).catch((e: unknown) => e),
          store.putStatusAllocations([{ credentialId: 'urn:uuid:c1', listId: 'r1', index: 8, purpose: 'revocation' }]).catch((e: unknown) => e),
          store.putOrganization(organization).then(() => store.putOrganization(organization)).catch((e: unknown) => e),
        ]);
        expect(errors).toMatchObject([
          { code: 'ERR_CONFLICT', claim: 'did', reason: 'duplicate' },
          { code: 'ERR_CONFLICT', claim: 'name' },
          { code: 'ERR_CONFLICT', claim: 'kid' },
          { code: 'ERR_CONFLICT', claim: 'id' },
          { code: 'ERR_CONFLICT', claim: 'credential_id' },
          { code: 'ERR_CONFLICT', message: 'an organization already exists' },
        ]);
        for (const error of errors) {
          const text = `${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause)} ${JSON.stringify((error as Error).cause)}`;
          expect(text).not.toContain('SEALED-SECRET');
          expect(text).not.toContain('SECRET.TOKEN');
          expect(text).not.toContain(alice.did);
        }
      });

      it('maps CHECK violations to ERR_STORE with PostgreSQL’s code, without values', async () => {
        await store.putAgent(alice);
        await expect(store.setAgentStatus('alice', 'bogus' as AgentStatus)).rejects.toMatchObject({ code: 'ERR_STORE', reason: '23514' });
        const error = await store.putCredential({ ...secretCredential, format: 'jwt' } as unknown as CredentialRecord).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'ERR_STORE' });
        expect(`${String(error)} ${String((error as Error).cause)}`).not.toContain('SECRET.TOKEN');
        expect(await store.getAgent('alice')).toEqual(alice);
      });
    });

    describe('transactions', () => {
      it('refuses to commit a transaction one of whose statements failed, even when fn caught the error', async () => {
        await store.putAgent(alice);
        await expect(
          store.transaction(async (tx) => {
            await tx.putAgent(bob);
            await expect(tx.putAgent(alice)).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
          }),
        ).rejects.toMatchObject({ code: 'ERR_STORE' });
        expect(await store.listAgents()).toEqual([alice]);
      });

      it('recovers from a failed statement inside a nested transaction', async () => {
        await store.putAgent(alice);
        await store.transaction(async (tx) => {
          await tx.putAgent(bob);
          await expect(tx.transaction((inner) => inner.putAgent(alice))).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
          await tx.putAgent(mallory);
        });
        expect(await store.listAgents()).toEqual([alice, bob, mallory]);
      });

      it('makes a second transaction on the same usage key wait, and one on another key not', async () => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const since = '2025-01-01T00:00:00.000Z';
        const holder = store.transaction(async (tx) => {
          await tx.listUsage('k1', since);
          await gate;
          await tx.recordUsage({ key: 'k1', at: '2025-05-01T00:00:00.000Z' });
        });
        await ticks();
        // Another key: not held up by the open transaction.
        await store.transaction(async (tx) => {
          expect(await tx.listUsage('k2', since)).toEqual([]);
          await tx.recordUsage({ key: 'k2', at: '2025-05-01T00:00:00.000Z' });
        });
        // The same key: waits for the holder, then sees its use.
        let seen: number | undefined;
        const waiter = store.transaction(async (tx) => {
          seen = (await tx.listUsage('k1', since)).length;
        });
        await ticks(10);
        expect(seen).toBeUndefined();
        release();
        await Promise.all([holder, waiter]);
        expect(seen).toBe(1);
      });
    });

    describe('lost connections', () => {
      it('fails a transaction whose connection the server ends, not the process, and serves later calls', async () => {
        await store.putAgent(alice);
        const admin = new pg.Client({ connectionString: lastUrl });
        await admin.connect();
        try {
          await expect(
            store.transaction(async (tx) => {
              await tx.putAgent(bob);
              // The transaction's connection is the one idle in a transaction now.
              const { rowCount } = await admin.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'",
              );
              expect(rowCount).toBe(1);
              await ticks(20);
              await tx.putAgent(mallory);
            }),
          ).rejects.toMatchObject({ code: 'ERR_STORE' });
        } finally {
          await admin.end();
        }
        expect(await store.listAgents()).toEqual([alice]);
        await store.putAgent(bob);
        expect(await store.listAgents()).toEqual([alice, bob]);
      });
    });

    describe('pool and migrations', () => {
      it('has the server end a transaction left idle (a hung instance cannot hold its locks for good)', async () => {
        const db = await freshDatabase();
        const driver = await openPgDriver(db.url, { poolSize: 1 });
        try {
          const row = await driver.exec.get<{ idle_in_transaction_session_timeout: string }>('SHOW idle_in_transaction_session_timeout');
          expect(row?.idle_in_transaction_session_timeout).toBe(`${IDLE_IN_TRANSACTION_MS / 1000}s`);
        } finally {
          await driver.end();
          await db.drop();
        }
      });

      it('runs more concurrent transactions than connections, queueing them', async () => {
        const db = await freshDatabase();
        const { url } = db;
        const small = await openPostgresStore(url, { poolSize: 1 });
        try {
          await Promise.all([alice, bob, mallory].map((agent) => small.transaction(async (tx) => {
            await ticks(2);
            await tx.putAgent(agent);
          })));
          expect(await small.listAgents()).toEqual([alice, bob, mallory]);
        } finally {
          await small.close();
          await db.drop();
        }
      });

      it('refuses a bad URL, pool size or unreachable server with ERR_STORE', async () => {
        await expect(openPostgresStore('mysql://127.0.0.1/legate')).rejects.toMatchObject({ code: 'ERR_STORE', claim: 'url' });
        await expect(openPostgresStore('postgres://127.0.0.1/legate', { poolSize: 0 })).rejects.toMatchObject({ code: 'ERR_STORE', claim: 'poolSize' });
        await expect(openPostgresStore('postgres://legate@127.0.0.1:1/legate')).rejects.toMatchObject({ code: 'ERR_STORE', reason: 'ECONNREFUSED' });
      });

      it('migrates a database of version 1 to audit chains: its entries become chain main, which the store goes on using', async () => {
        const db = await freshDatabase();
        try {
          await migrateTo(db.url, 1, async (admin) => {
            await admin.query("INSERT INTO audit_entries (seq, at, entry, hash, prev_hash) VALUES (1, '2025-01-01T00:00:00.000Z', '{}', 'h1', 'h0'), (2, '2025-01-01T00:00:01.000Z', '{}', 'h2', 'h1')");
          });
          const store = await openPostgresStore(db.url);
          try {
            expect((await store.listAuditChains()).map((h) => [h.chain, h.seq])).toEqual([['main', 2]]);
            expect(await store.getSetting('audit.chain-id')).toBe('main');
            await store.appendAuditEntry({ chain: 'main', seq: 3, at: '2025-01-01T00:00:02.000Z', entry: '{}', hash: 'h3', prevHash: 'h2' });
            await store.appendAuditEntry({ chain: 'urn:uuid:other', seq: 1, at: '2025-01-01T00:00:02.000Z', entry: '{}', hash: 'o1', prevHash: 'h0' });
            expect((await store.listAuditChains()).map((h) => [h.chain, h.seq])).toEqual([['main', 3], ['urn:uuid:other', 1]]);
          } finally {
            await store.close();
          }
        } finally {
          await db.drop();
        }
      });

      it('migrates status allocations made before cursors (version 14): counted, kept, and their lists closed', async () => {
        const db = await freshDatabase();
        try {
          await migrateTo(db.url, 13, async (admin) => {
            await admin.query("INSERT INTO status_lists (id, issuer, purpose, size, bits, version, created_at, updated_at) VALUES ('r-old', $1, 'revocation', 131072, $2, 1, '2025-03-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z')", [organization.did, Buffer.alloc(16384)]);
            await admin.query("INSERT INTO status_allocations (credential_id, purpose, list_id, idx) VALUES ('urn:uuid:c1', 'revocation', 'r-old', 90000), ('urn:uuid:c2', 'revocation', 'r-old', 17)");
          });
          const store = await openPostgresStore(db.url);
          try {
            expect(await store.countStatusAllocations('r-old')).toBe(2);
            expect(await store.latestStatusList(organization.did, 'revocation')).toEqual({ id: 'r-old', size: 131072, allocated: 2, capacity: 2 });
            expect(await store.takeStatusPositions(organization.did, 'revocation', 1)).toBeUndefined();
            expect(await store.getStatusAllocations('urn:uuid:c1')).toEqual([{ credentialId: 'urn:uuid:c1', listId: 'r-old', index: 90000, purpose: 'revocation' }]);
          } finally {
            await store.close();
          }
          const check = new pg.Client({ connectionString: db.url });
          await check.connect();
          try {
            // Only the key by credential is left: no index by (list_id, idx) is written at every allocation.
            expect((await check.query("SELECT indexname FROM pg_indexes WHERE tablename = 'status_allocations'")).rows).toEqual([{ indexname: 'status_allocations_pkey' }]);
          } finally {
            await check.end();
          }
        } finally {
          await db.drop();
        }
      });

      it('migrates once, and refuses a database from a later Legate with ERR_STORE', async () => {
        const db = await freshDatabase();
        const { url } = db;
        try {
          await (await openPostgresStore(url)).close();
          const again = await openPostgresStore(url);
          await again.putSetting('probe', '1');
          await again.close();
          const admin = new pg.Client({ connectionString: url });
          await admin.connect();
          try {
            expect((await admin.query('SELECT version FROM schema_migrations ORDER BY version')).rows).toEqual(PG_MIGRATIONS.map((m) => ({ version: m.version })));
            await admin.query(`INSERT INTO schema_migrations (version, description) VALUES (${PG_MIGRATIONS.length + 1}, 'from the future')`);
          } finally {
            await admin.end();
          }
          await expect(openPostgresStore(url)).rejects.toMatchObject({ code: 'ERR_STORE', reason: 'schema_too_new' });
        } finally {
          await db.drop();
        }
      });
    });
  });
}
