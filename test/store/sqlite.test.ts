/**
 * @module test/store/sqlite
 *
 * The SQLite backend: the shared store contract against a real file in a
 * fresh temp directory and against `':memory:'`, then what only SQLite has —
 * WAL mode, persistence across reopen, schema migrations and versioning,
 * read-only opening, and how SQLite failures map to `StoreError` codes.
 */

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

import { openSqliteStore } from '../../src/store/index.js';
import type { AgentStatus, CredentialRecord, KeyRecord, Store } from '../../src/store/index.js';
import { MAX_PURGED } from '../../src/store/sql/replay.js';
import { available as procFds, sqliteTemporaryFiles } from '../helpers/sqlite-temp-files.js';
import { applyMigrations, MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import type { Migration } from '../../src/store/sqlite/migrations.js';
import { alice, bob, mallory, organization, storeContract } from './contract.js';

const tempDirs: string[] = [];

/** A database path in a new, empty temp directory. */
async function freshPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'legate-store-'));
  tempDirs.push(dir);
  return join(dir, 'legate.db');
}

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

storeContract('sqlite (file)', async () => openSqliteStore(await freshPath()));
storeContract('sqlite (memory)', () => openSqliteStore(':memory:'));

/** Reads a pragma from the file directly, outside the store. */
function pragmaOf(path: string, pragma: string): unknown {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.pragma(pragma, { simple: true });
  } finally {
    db.close();
  }
}

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

describe('SQLite store', () => {
  let path: string;

  beforeEach(async () => {
    path = await freshPath();
  });

  describe('file', () => {
    it('uses WAL journal mode', async () => {
      const store = await openSqliteStore(path);
      try {
        await store.putAgent(alice);
        expect(existsSync(`${path}-wal`)).toBe(true);
      } finally {
        await store.close();
      }
      expect(pragmaOf(path, 'journal_mode')).toBe('wal');
    });

    // Only where /proc/self/fd lists open files (Linux, and so CI): elsewhere there is nothing to look at.
    it.runIf(procFds)('keeps the savepoint journal of a member of a group commit in memory, never in a temporary file', async () => {
      const store = await openSqliteStore(path);
      try {
        const agent = (i: number) => ({ ...alice, name: `agent-${i}`, did: `did:web:acme.example:agents:agent-${i}`, kid: `did:web:acme.example:agents:agent-${i}#key-1`, owner: `mailto:${'o'.repeat(400)}${i}@acme.example` });
        const agents = Array.from({ length: 200 }, (_, i) => agent(i));
        await store.transaction(async (tx) => {
          for (const a of agents) await tx.putAgent(a);
        });
        let seen: string[] | undefined;
        // The second transaction joins the first's group as a savepoint and changes ~25 pages that existed before
        // it: past the 64 KiB after which SQLite would move that savepoint's journal to a temporary file.
        await Promise.all([
          store.transaction((tx) => tx.putAgent(agent(200))),
          store.transaction(async (tx) => {
            for (const a of agents) await tx.setAgentStatus(a.name, 'retired');
            seen = sqliteTemporaryFiles();
          }),
        ]);
        expect(seen).toEqual([]);
        expect((await store.listAgents()).filter((a) => a.status === 'retired')).toHaveLength(200);
      } finally {
        await store.close();
      }
    });

    it('persists data across close and reopen', async () => {
      const first = await openSqliteStore(path);
      await first.transaction(async (tx) => {
        await tx.putOrganization(organization);
        await tx.putKey(secretKey);
        await tx.putAgent(alice);
        await tx.putCredential(secretCredential);
      });
      await first.setAgentStatus('alice', 'retired');
      await first.close();

      const second = await openSqliteStore(path);
      try {
        expect(await second.getOrganization()).toEqual(organization);
        expect(await second.getKey(secretKey.kid)).toEqual(secretKey);
        expect(await second.getAgent('alice')).toEqual({ ...alice, status: 'retired' });
        expect(await second.getCredential(secretCredential.id)).toEqual(secretCredential);
      } finally {
        await second.close();
      }
    });

    it('moves status cursors exactly across rollbacks, savepoints and other connections', async () => {
      const store = await openSqliteStore(path);
      const seed = new Uint8Array(32).fill(7);
      try {
        // r1 is the newest revocation list of the organization, r2 mallory's.
        for (const [id, issuer] of [['r1', organization.did], ['r2', mallory.did]] as const) {
          await store.putStatusList({ id, issuer, purpose: 'revocation', size: 131072, bits: new Uint8Array(16384), version: 1, createdAt: '2025-03-01T00:00:00.000Z', updatedAt: '2025-03-01T00:00:00.000Z' });
          await store.putStatusCursor(id, seed, 98_304);
        }
        const take = async (s: Store, count: number) => (await s.takeStatusPositions(organization.did, 'revocation', count))?.first;
        expect(await take(store, 3)).toBe(0);
        expect(await store.countStatusAllocations('r1')).toBe(3);
        // Moved inside a transaction that then rolls back: the cursor must move back.
        await expect(
          store.transaction(async (tx) => {
            expect(await take(tx, 2)).toBe(3);
            expect(await tx.countStatusAllocations('r1')).toBe(5);
            throw new Error('abort');
          }),
        ).rejects.toThrow('abort');
        expect(await store.countStatusAllocations('r1')).toBe(3);
        await store.transaction(async (tx) => {
          await expect(
            tx.transaction(async (inner) => {
              expect(await take(inner, 1)).toBe(3);
              throw new Error('inner');
            }),
          ).rejects.toThrow('inner');
          expect(await tx.countStatusAllocations('r1')).toBe(3);
          expect(await take(tx, 1)).toBe(3);
        });
        expect(await store.countStatusAllocations('r1')).toBe(4);
        // What another connection (another process) commits moves it too.
        const other = new Database(path);
        other.prepare("UPDATE status_list_cursors SET taken = taken + 25 WHERE list_id IN ('r1', 'r2')").run();
        other.close();
        expect(await take(store, 1)).toBe(29);
        expect(await store.countStatusAllocations('r2')).toBe(25);
      } finally {
        await store.close();
      }
    });

    it('migrates once: reopening leaves user_version at the number of migrations', async () => {
      for (let i = 0; i < 3; i++) {
        const store = await openSqliteStore(path);
        if (i === 0) await store.putAgent(alice);
        await store.close();
        expect(pragmaOf(path, 'user_version')).toBe(MIGRATIONS.length);
      }
      const store = await openSqliteStore(path);
      try {
        expect(await store.listAgents()).toEqual([alice]);
      } finally {
        await store.close();
      }
    });

    it('migration 6 keeps every credential and its order, then accepts Data Integrity credentials (vc+ld+json)', async () => {
      const db = new Database(path);
      applyMigrations(db, MIGRATIONS.slice(0, 5));
      const insert = db.prepare(
        `INSERT INTO credentials (id, type, issuer, subject, format, token, issued_at, valid_until) VALUES (?, 'T', 'did:x:i', 'did:x:s', 'vc+jwt', ?, '2026-01-01T00:00:00Z', NULL)`,
      );
      insert.run('urn:uuid:a', 'a.b.c');
      insert.run('urn:uuid:b', 'd.e.f');
      db.close();

      const store = await openSqliteStore(path);
      try {
        expect(pragmaOf(path, 'user_version')).toBe(MIGRATIONS.length);
        expect((await store.listCredentials({ issuer: 'did:x:i' })).map((c) => [c.id, c.token])).toEqual([['urn:uuid:a', 'a.b.c'], ['urn:uuid:b', 'd.e.f']]);
        const di: CredentialRecord = { ...secretCredential, id: 'urn:uuid:di', format: 'vc+ld+json', token: '{"proof":{}}' };
        await store.putCredential(di);
        expect(await store.getCredential(di.id)).toEqual(di);
      } finally {
        await store.close();
      }
      const check = new Database(path, { readonly: true });
      try {
        // New rows continue the AUTOINCREMENT sequence after the copied ones.
        expect(check.prepare('SELECT id FROM credentials ORDER BY seq').all()).toEqual([{ id: 'urn:uuid:a' }, { id: 'urn:uuid:b' }, { id: 'urn:uuid:di' }]);
        expect(check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'credentials' AND name LIKE 'credentials_by_%' ORDER BY name`).all()).toEqual([
          { name: 'credentials_by_issuer' },
          { name: 'credentials_by_subject' },
        ]);
      } finally {
        check.close();
      }
    });

    it('migration 11 keeps sessions written before it readable, JWTs and all; new sessions name their JWTs by reference', async () => {
      const db = new Database(path);
      applyMigrations(db, MIGRATIONS.slice(0, 10));
      const legacy = { 'urn:uuid:leaf': ['leaf.jwt', 'root.jwt'] };
      db.prepare('INSERT INTO sessions (id, chains, expires_at) VALUES (?, ?, ?)').run('old', JSON.stringify(legacy), '2030-01-01T00:00:00.000Z');
      db.close();

      const store = await openSqliteStore(path);
      try {
        expect(await store.getSession('old')).toEqual({ id: 'old', chains: legacy, expiresAt: '2030-01-01T00:00:00.000Z' });
        await store.putSession({ id: 'new', chains: legacy, expiresAt: '2030-01-01T00:00:00.000Z' });
        expect(await store.getSession('new')).toEqual({ id: 'new', chains: legacy, expiresAt: '2030-01-01T00:00:00.000Z' });
      } finally {
        await store.close();
      }
      const check = new Database(path, { readonly: true });
      try {
        const row = check.prepare("SELECT chains FROM sessions WHERE id = 'new'").get() as { chains: string };
        expect(row.chains).not.toContain('leaf.jwt');
        expect(check.prepare('SELECT token FROM session_tokens ORDER BY token').all()).toEqual([{ token: 'leaf.jwt' }, { token: 'root.jwt' }]);
      } finally {
        check.close();
      }
    });

    it('migration 22 keeps allocations made before it and counts them, and closes the lists they were made in', async () => {
      const db = new Database(path);
      applyMigrations(db, MIGRATIONS.slice(0, 21));
      const at = '2025-03-01T00:00:00.000Z';
      const putList = db.prepare("INSERT INTO status_lists (id, issuer, purpose, size, bits, version, created_at, updated_at) VALUES (?, ?, ?, 131072, ?, 1, ?, ?)");
      putList.run('r-old', organization.did, 'revocation', new Uint8Array(16384), at, at);
      putList.run('s-old', organization.did, 'suspension', new Uint8Array(16384), at, at);
      const allocate = db.prepare('INSERT INTO status_allocations (credential_id, purpose, list_id, idx) VALUES (?, ?, ?, ?)');
      for (const [n, index] of [[1, 90_000], [2, 17], [3, 4_242]] as const) allocate.run(`urn:uuid:c${n}`, 'revocation', 'r-old', index);
      allocate.run('urn:uuid:c1', 'suspension', 's-old', 5);
      db.close();

      const store = await openSqliteStore(path);
      try {
        expect(await store.getStatusAllocations('urn:uuid:c1')).toEqual([
          { credentialId: 'urn:uuid:c1', listId: 'r-old', index: 90_000, purpose: 'revocation' },
          { credentialId: 'urn:uuid:c1', listId: 's-old', index: 5, purpose: 'suspension' },
        ]);
        expect(await store.countStatusAllocations('r-old')).toBe(3);
        expect(await store.latestStatusList(organization.did, 'revocation')).toEqual({ id: 'r-old', size: 131072, allocated: 3, capacity: 3 });
        expect(await store.takeStatusPositions(organization.did, 'revocation', 1)).toBeUndefined();
        await expect(store.putStatusAllocations([{ credentialId: 'urn:uuid:c2', listId: 'x', index: 1, purpose: 'revocation' }])).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      } finally {
        await store.close();
      }
      const check = new Database(path, { readonly: true });
      try {
        // Keyed by credential alone: no index by (list_id, idx) is written at every allocation.
        expect(check.prepare("SELECT name FROM sqlite_schema WHERE tbl_name = 'status_allocations' AND type = 'index'").all()).toEqual([]);
        expect((check.prepare("SELECT sql FROM sqlite_schema WHERE name = 'status_allocations'").get() as { sql: string }).sql).toMatch(/WITHOUT ROWID/);
      } finally {
        check.close();
      }
    });

    it('stores each session JWT once, keeps it while any session naming it lives, and sweeps it after the last one', async () => {
      const jwt = (n: number) => `header.payload-${n}.signature`;
      const store = await openSqliteStore(path);
      try {
        const shared = { 'urn:uuid:a': [jwt(1), jwt(0)], 'urn:uuid:b': [jwt(2), jwt(0)] };
        await store.putSession({ id: 's1', chains: shared, expiresAt: '2030-01-01T00:00:00.000Z' });
        // A later session on the same root outlives the JWT's stored expiry (s1's + an hour): it is raised.
        await store.putSession({ id: 's2', chains: { 'urn:uuid:c': [jwt(3), jwt(0)] }, expiresAt: '2030-01-02T00:00:00.000Z' });
        // A duplicate id is refused and changes nothing the live sessions read.
        await expect(store.putSession({ id: 's1', chains: { x: [jwt(9)] }, expiresAt: '2030-01-01T00:00:00.000Z' })).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
        expect(await store.getSession('s1')).toEqual({ id: 's1', chains: shared, expiresAt: '2030-01-01T00:00:00.000Z' });

        expect((await store.sweep('2030-01-01T12:00:00.000Z')).sessions).toBe(1);
        expect(await store.getSession('s1')).toBeUndefined();
        expect(await store.getSession('s2')).toEqual({ id: 's2', chains: { 'urn:uuid:c': [jwt(3), jwt(0)] }, expiresAt: '2030-01-02T00:00:00.000Z' });
        expect((await store.sweep('2030-01-02T00:00:00.000Z')).sessions).toBe(1);
      } finally {
        await store.close();
      }
      const check = new Database(path, { readonly: true });
      try {
        // s1's own JWTs (and the refused duplicate's) went with the first sweep, their hour past s1 having run out;
        // the shared root and s2's JWT are kept until s2's end + an hour.
        expect(check.prepare('SELECT token, expires_at FROM session_tokens ORDER BY token').all()).toEqual([
          { token: jwt(0), expires_at: '2030-01-02T01:00:00.000Z' },
          { token: jwt(3), expires_at: '2030-01-02T01:00:00.000Z' },
        ]);
      } finally {
        check.close();
      }
    });

    it('writes a session naming more JWTs than one statement holds (40 links over two chains, one shared)', async () => {
      const jwt = (n: number) => `header.payload-${n}.signature`;
      const chains = { 'urn:uuid:a': Array.from({ length: 21 }, (_, i) => jwt(i)), 'urn:uuid:b': [jwt(100), ...Array.from({ length: 19 }, (_, i) => jwt(i + 21)), jwt(0)] };
      const store = await openSqliteStore(path);
      try {
        await store.putSession({ id: 's40', chains, expiresAt: '2030-01-01T00:00:00.000Z' });
        expect(await store.getSession('s40')).toEqual({ id: 's40', chains, expiresAt: '2030-01-01T00:00:00.000Z' });
      } finally {
        await store.close();
      }
      const check = new Database(path, { readonly: true });
      try {
        expect(check.prepare('SELECT count(*) AS n FROM session_tokens').get()).toEqual({ n: 41 });
      } finally {
        check.close();
      }
    });

    it('refuses with ERR_STORE a session row naming a JWT that is not stored', async () => {
      const store = await openSqliteStore(path);
      await store.putSession({ id: 's1', chains: { leaf: ['a.b.c'] }, expiresAt: '2030-01-01T00:00:00.000Z' });
      await store.close();
      const db = new Database(path);
      db.exec('DELETE FROM session_tokens');
      db.close();
      const reopened = await openSqliteStore(path);
      try {
        await expect(reopened.getSession('s1')).rejects.toMatchObject({ code: 'ERR_STORE' });
      } finally {
        await reopened.close();
      }
    });

    describe('a session row on JWTs already stored (store/sql/sessions)', () => {
      const jwt = (n: number) => `header.payload-${n}.signature`;
      const chains = { 'urn:uuid:a': [jwt(1), jwt(0)] };
      const at = (minutes: number) => new Date(Date.parse('2030-01-01T00:00:00.000Z') + minutes * 60_000).toISOString();
      /** The stored expiry of each JWT, read through a second connection. */
      const storedExpiries = () => {
        const db = new Database(path, { readonly: true });
        try {
          return Object.fromEntries((db.prepare('SELECT token, expires_at FROM session_tokens').all() as { token: string; expires_at: string }[]).map((r) => [r.token, r.expires_at]));
        } finally {
          db.close();
        }
      };
      /** A write through a second connection (another process, as far as the store knows). */
      const outside = (sql: string) => {
        const db = new Database(path);
        try {
          db.exec(sql);
        } finally {
          db.close();
        }
      };
      /** The statements `fn` runs that write JWTs, counted on every better-sqlite3 statement. */
      async function jwtWrites(fn: () => Promise<unknown>): Promise<number> {
        const probe = new Database(':memory:');
        const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as { run: (...args: unknown[]) => unknown };
        probe.close();
        const run = statement.run;
        let writes = 0;
        statement.run = function (this: { source: string }, ...args: unknown[]) {
          if (this.source.includes('INTO session_tokens')) writes++;
          return run.apply(this, args);
        };
        try {
          await fn();
        } finally {
          statement.run = run;
        }
        return writes;
      }

      it('writes only the row while every JWT it names is stored until at least its end', async () => {
        const store = await openSqliteStore(path);
        try {
          expect(await jwtWrites(() => store.putSession({ id: 's1', chains, expiresAt: at(0) }))).toBe(1);
          expect(await jwtWrites(() => store.putSession({ id: 's2', chains, expiresAt: at(60) }))).toBe(0);
          expect(await jwtWrites(() => store.putSession({ id: 's3', chains: { 'urn:uuid:b': [jwt(0)] }, expiresAt: at(30) }))).toBe(0);
          expect(storedExpiries()).toEqual({ [jwt(0)]: at(60), [jwt(1)]: at(60) });
          expect(await store.getSession('s2')).toEqual({ id: 's2', chains, expiresAt: at(60) });
          // A duplicate id is refused before any JWT is written.
          expect(await jwtWrites(() => expect(store.putSession({ id: 's2', chains, expiresAt: at(0) })).rejects.toMatchObject({ code: 'ERR_CONFLICT' }))).toBe(0);
        } finally {
          await store.close();
        }
      });

      it('writes the JWTs, then the row, when one is missing or stored for less than the session needs', async () => {
        const store = await openSqliteStore(path);
        try {
          await store.putSession({ id: 's1', chains, expiresAt: at(0) });
          outside('DELETE FROM session_tokens');
          expect(await jwtWrites(() => store.putSession({ id: 's2', chains, expiresAt: at(10) }))).toBe(1);
          expect(await store.getSession('s2')).toEqual({ id: 's2', chains, expiresAt: at(10) });
          expect(storedExpiries()).toEqual({ [jwt(0)]: at(70), [jwt(1)]: at(70) });

          // One JWT's expiry lowered below the next session's end: it is raised, the other left as it was.
          outside(`UPDATE session_tokens SET expires_at = '${at(15)}' WHERE token = '${jwt(1)}'`);
          expect(await jwtWrites(() => store.putSession({ id: 's3', chains, expiresAt: at(20) }))).toBe(1);
          expect(storedExpiries()).toEqual({ [jwt(0)]: at(70), [jwt(1)]: at(80) });
          // A session outliving one raises that one.
          expect(await jwtWrites(() => store.putSession({ id: 's4', chains, expiresAt: at(75) }))).toBe(1);
          expect(storedExpiries()).toEqual({ [jwt(0)]: at(135), [jwt(1)]: at(80) });
          expect((await store.sweep(at(20))).sessions).toBe(3);
          expect(await store.getSession('s4')).toEqual({ id: 's4', chains, expiresAt: at(75) });
        } finally {
          await store.close();
        }
      });

      it('keeps a session by content on JWTs stored by reference, each kept at least as long as the row', async () => {
        const store = await openSqliteStore(path);
        try {
          expect(await jwtWrites(() => store.keepSession({ id: 'chains:x', chains, expiresAt: at(5) }))).toBe(1);
          // Kept an hour past what was asked, and so are the JWTs it names (an hour past that).
          expect(await store.getSession('chains:x')).toEqual({ id: 'chains:x', chains, expiresAt: at(65) });
          expect(storedExpiries()).toEqual({ [jwt(0)]: at(125), [jwt(1)]: at(125) });
          // The next tokens on the same chains, within that hour: nothing written.
          expect(await jwtWrites(() => store.keepSession({ id: 'chains:x', chains, expiresAt: at(30) }))).toBe(0);
          expect(await store.getSession('chains:x')).toEqual({ id: 'chains:x', chains, expiresAt: at(65) });
          // Past it: the row raised, the JWTs with it.
          expect(await jwtWrites(() => store.keepSession({ id: 'chains:x', chains, expiresAt: at(100) }))).toBe(1);
          expect(await store.getSession('chains:x')).toEqual({ id: 'chains:x', chains, expiresAt: at(160) });
          expect(storedExpiries()).toEqual({ [jwt(0)]: at(220), [jwt(1)]: at(220) });
          expect((await store.sweep(at(159))).sessions).toBe(0);
          expect(await store.getSession('chains:x')).toEqual({ id: 'chains:x', chains, expiresAt: at(160) });
        } finally {
          await store.close();
        }
      });

      it('leaves nothing of a session written in a transaction that rolls back: the next one writes the JWTs again', async () => {
        const store = await openSqliteStore(path);
        try {
          await expect(
            store.transaction(async (tx) => {
              await tx.putSession({ id: 's1', chains, expiresAt: at(0) });
              throw new Error('undo');
            }),
          ).rejects.toThrow('undo');
          expect(storedExpiries()).toEqual({});
          expect(await jwtWrites(() => store.putSession({ id: 's2', chains, expiresAt: at(0) }))).toBe(1);
          expect(await store.getSession('s1')).toBeUndefined();
          expect(await store.getSession('s2')).toEqual({ id: 's2', chains, expiresAt: at(0) });
        } finally {
          await store.close();
        }
      });
    });

    it('migration 10 moves one-time keys into a WITHOUT ROWID table: a key claimed before the upgrade stays claimed until it expires', async () => {
      const db = new Database(path);
      applyMigrations(db, MIGRATIONS.slice(0, 9));
      const put = db.prepare('INSERT INTO one_time_keys (key, expires_at) VALUES (?, ?)');
      put.run('oauth:dpop:jkt:jti-1', '2030-01-01T00:00:00.000Z');
      put.run('oauth:vp:old', '2020-01-01T00:00:00.000Z');
      db.close();

      const store = await openSqliteStore(path);
      try {
        const now = '2026-01-01T00:00:00.000Z';
        expect(await store.claimOnce('oauth:dpop:jkt:jti-1', '2031-01-01T00:00:00.000Z', now)).toBe(false);
        // Expired before the upgrade: may be claimed again, once.
        expect(await store.claimOnce('oauth:vp:old', '2031-01-01T00:00:00.000Z', now)).toBe(true);
        expect(await store.claimOnce('oauth:vp:old', '2031-01-01T00:00:00.000Z', now)).toBe(false);
        expect(await store.claimOnce('oauth:vp:new', '2031-01-01T00:00:00.000Z', now)).toBe(true);
        expect((await store.sweep('2030-06-01T00:00:00.000Z')).oneTimeKeys).toBe(1);
        expect(await store.claimOnce('oauth:dpop:jkt:jti-1', '2031-01-01T00:00:00.000Z', now)).toBe(true);
      } finally {
        await store.close();
      }
      const check = new Database(path, { readonly: true });
      try {
        const { sql } = check.prepare("SELECT sql FROM sqlite_master WHERE name = 'one_time_keys'").get() as { sql: string };
        expect(sql).toMatch(/WITHOUT ROWID/);
        const indexes = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'one_time_keys'").all();
        expect(indexes).toEqual([{ name: 'one_time_keys_by_expiry' }]);
      } finally {
        check.close();
      }
    });

    it('purges expired one-time keys every 256 claims, between sweeps', async () => {
      const store = await openSqliteStore(path);
      const held = (key: string) => {
        const db = new Database(path, { readonly: true });
        try {
          return db.prepare('SELECT 1 FROM one_time_keys WHERE key = ?').get(key) !== undefined;
        } finally {
          db.close();
        }
      };
      try {
        expect(await store.claimOnce('oauth:vp:alice:old', '2025-01-01T00:01:00.000Z', '2025-01-01T00:00:00.000Z')).toBe(true);
        const later = '2025-01-02T00:00:00.000Z';
        for (let i = 2; i < 256; i++) expect(await store.claimOnce(`oauth:vp:alice:${i}`, '2999-01-01T00:00:00.000Z', later)).toBe(true);
        expect(held('oauth:vp:alice:old')).toBe(true);
        // The 256th claim purges first: the expired key's row is gone, the live ones stay.
        expect(await store.claimOnce('oauth:vp:alice:256', '2999-01-01T00:00:00.000Z', later)).toBe(true);
        expect(held('oauth:vp:alice:old')).toBe(false);
        expect(held('oauth:vp:alice:2')).toBe(true);
        expect(await store.claimOnce('oauth:vp:alice:2', '2999-01-01T00:00:00.000Z', later)).toBe(false);
      } finally {
        await store.close();
      }
    });

    it(`purges at most ${MAX_PURGED} expired one-time keys at a time: a backlog drains over the purges that follow`, async () => {
      const store = await openSqliteStore(path);
      const expired = () => {
        const db = new Database(path, { readonly: true });
        try {
          return (db.prepare("SELECT COUNT(*) AS n FROM one_time_keys WHERE expires_at <= '2025-01-02'").get() as { n: number }).n;
        } finally {
          db.close();
        }
      };
      try {
        // What a node stopped for a day finds: every key of its last minutes expired.
        const db = new Database(path);
        try {
          const put = db.prepare('INSERT INTO one_time_keys (key, expires_at) VALUES (?, ?)');
          db.transaction(() => {
            for (let i = 0; i < MAX_PURGED + 500; i++) put.run(`oauth:vp:bob:${i}`, '2025-01-01T00:01:00.000Z');
          })();
        } finally {
          db.close();
        }
        const later = '2025-01-02T00:00:00.000Z';
        for (let i = 1; i <= 256; i++) expect(await store.claimOnce(`oauth:vp:alice:${i}`, '2999-01-01T00:00:00.000Z', later)).toBe(true);
        expect(expired()).toBe(500);
        for (let i = 257; i <= 512; i++) expect(await store.claimOnce(`oauth:vp:alice:${i}`, '2999-01-01T00:00:00.000Z', later)).toBe(true);
        expect(expired()).toBe(0);
      } finally {
        await store.close();
      }
    });

    it('migration 7 moves sessions and acknowledges out of settings into typed tables, keeping their data', async () => {
      const db = new Database(path);
      applyMigrations(db, MIGRATIONS.slice(0, 6));
      const put = db.prepare('INSERT INTO settings (name, value) VALUES (?, ?)');
      const chains = { 'urn:uuid:leaf': ['leaf.jwt', 'root.jwt'] };
      put.run('ace.session.urn:uuid:s1', JSON.stringify(chains));
      put.run('ace.acknowledge.urn:uuid:a1', '{"type":"acknowledge","id":"urn:uuid:a1"}');
      put.run(`peer.session.alice.${bob.did}`, JSON.stringify({ token: 'session.jwt', endpoint: 'https://bank.example/ace' }));
      // Not the JSON the node wrote: nothing could read it, so it is dropped.
      put.run('ace.session.urn:uuid:broken', 'not json');
      put.run('other.setting', '3');
      db.prepare("INSERT INTO usage (key, at) VALUES ('k', '2025-01-01T00:00:00.000Z')").run();
      db.close();

      const before = Date.now();
      const store = await openSqliteStore(path);
      try {
        const session = await store.getSession('urn:uuid:s1');
        expect(session?.chains).toEqual(chains);
        // Moved rows expire a day (the longest session lifetime) after the migration.
        const expiry = Date.parse(session!.expiresAt);
        expect(expiry).toBeGreaterThanOrEqual(before + 86_400_000 - 1000);
        expect(expiry).toBeLessThanOrEqual(Date.now() + 86_400_000 + 1000);
        expect(await store.getAcknowledge('urn:uuid:a1')).toMatchObject({ payload: '{"type":"acknowledge","id":"urn:uuid:a1"}' });
        expect(await store.getPeerSession('alice', bob.did)).toMatchObject({ token: 'session.jwt', endpoint: 'https://bank.example/ace' });
        expect(await store.getSession('urn:uuid:broken')).toBeUndefined();
        for (const name of ['ace.session.urn:uuid:s1', 'ace.acknowledge.urn:uuid:a1', `peer.session.alice.${bob.did}`, 'ace.session.urn:uuid:broken']) {
          expect(await store.getSetting(name)).toBeUndefined();
        }
        expect(await store.getSetting('other.setting')).toBe('3');
        // A usage row from before has no expiry: no sweep removes it.
        await store.sweep('2100-01-01T00:00:00.000Z');
        expect(await store.listUsage('k', '2024-01-01T00:00:00.000Z')).toEqual([{ key: 'k', at: '2025-01-01T00:00:00.000Z' }]);
      } finally {
        await store.close();
      }
    });

    it('migration 14 moves the approvers and the published trust list out of settings into their tables', async () => {
      const db = new Database(path);
      applyMigrations(db, MIGRATIONS.slice(0, 13));
      const put = db.prepare('INSERT INTO settings (name, value) VALUES (?, ?)');
      put.run('approvers', JSON.stringify([bob.did, alice.did]));
      put.run('trust-list.version', '7');
      put.run('trust-list.token', 'list.v7.sig');
      db.close();

      const store = await openSqliteStore(path);
      try {
        expect(await store.listApprovers()).toEqual([bob.did, alice.did]);
        // Its expiry is in the token only: unknown to the table until the next publication.
        expect(await store.getTrustList()).toMatchObject({ version: 7, token: 'list.v7.sig' });
        expect((await store.getTrustList())?.validUntil).toBeUndefined();
        for (const name of ['approvers', 'trust-list.version', 'trust-list.token']) expect(await store.getSetting(name)).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    it('migration 14 drops approvers that are not a JSON array of strings, and a trust list version without a list', async () => {
      const db = new Database(path);
      applyMigrations(db, MIGRATIONS.slice(0, 13));
      const put = db.prepare('INSERT INTO settings (name, value) VALUES (?, ?)');
      put.run('approvers', 'not json');
      put.run('trust-list.version', '3');
      db.close();

      const store = await openSqliteStore(path);
      try {
        expect(await store.listApprovers()).toEqual([]);
        expect(await store.getTrustList()).toBeUndefined();
        expect(await store.getSetting('approvers')).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    it("migration 15 moves each key's retirement out of settings onto its row", async () => {
      const db = new Database(path);
      applyMigrations(db, MIGRATIONS.slice(0, 14));
      const insertKey = db.prepare("INSERT INTO keys (kid, controller, public_key_multibase, sealed_private_key, status, created_at) VALUES (?, ?, 'z6Mk', x'01', 'retired', '2025-01-01T00:00:00.000Z')");
      insertKey.run(`${alice.did}#key-1`, alice.did);
      insertKey.run(`${bob.did}#key-1`, bob.did);
      insertKey.run(`${mallory.did}#key-1`, mallory.did);
      const put = db.prepare('INSERT INTO settings (name, value) VALUES (?, ?)');
      put.run(`key.retired:${alice.did}#key-1`, JSON.stringify({ at: '2025-05-01T00:00:00.000Z', reason: 'expired' }));
      put.run(`key.retired:${bob.did}#key-1`, JSON.stringify({ at: '2025-05-02T00:00:00.000Z', reason: 'compromised', compromisedSince: '2025-04-20T00:00:00.000Z' }));
      // Not what the node wrote: the key stays retired, with no reason recorded.
      put.run(`key.retired:${mallory.did}#key-1`, 'not json');
      db.close();

      const store = await openSqliteStore(path);
      try {
        expect((await store.getKey(`${alice.did}#key-1`))?.retirement).toEqual({ at: '2025-05-01T00:00:00.000Z', reason: 'expired' });
        expect((await store.getKey(`${bob.did}#key-1`))?.retirement).toEqual({ at: '2025-05-02T00:00:00.000Z', reason: 'compromised', compromisedSince: '2025-04-20T00:00:00.000Z' });
        expect(await store.getKey(`${mallory.did}#key-1`)).toMatchObject({ status: 'retired' });
        expect((await store.getKey(`${mallory.did}#key-1`))?.retirement).toBeUndefined();
        for (const who of [alice, bob, mallory]) expect(await store.getSetting(`key.retired:${who.did}#key-1`)).toBeUndefined();
      } finally {
        await store.close();
      }
    });

    it('refuses a database from a future schema version with ERR_STORE, untouched', async () => {
      const future = MIGRATIONS.length + 1;
      const db = new Database(path);
      db.exec('CREATE TABLE from_the_future (x TEXT)');
      db.pragma(`user_version = ${future}`);
      db.close();

      await expect(openSqliteStore(path)).rejects.toMatchObject({ code: 'ERR_STORE', reason: 'schema_too_new' });
      await expect(openSqliteStore(path, { readonly: true })).rejects.toMatchObject({ code: 'ERR_STORE' });
      expect(pragmaOf(path, 'user_version')).toBe(future);
      expect(pragmaOf(path, 'journal_mode')).toBe('delete');
    });

    it('refuses a file that is not a SQLite database with ERR_STORE_CORRUPT', async () => {
      await writeFile(path, 'this is not a database, just some text that is long enough'.repeat(100));
      await expect(openSqliteStore(path)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    });

    it('refuses a path whose directory does not exist with ERR_STORE', async () => {
      await expect(openSqliteStore(join(path, 'missing', 'legate.db'))).rejects.toMatchObject({
        code: 'ERR_STORE',
      });
    });

    it('lets two stores on one file see each other’s commits', async () => {
      const a = await openSqliteStore(path);
      const b = await openSqliteStore(path);
      try {
        await a.putAgent(alice);
        expect(await b.getAgent('alice')).toEqual(alice);
        await b.putAgent(bob);
        expect(await a.listAgents()).toEqual([alice, bob]);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });

  describe('change stamp', () => {
    const list = { id: 'r1', issuer: organization.did, purpose: 'revocation' as const, size: 131072, bits: new Uint8Array(16384), version: 1, createdAt: '2025-03-01T00:00:00.000Z', updatedAt: '2025-03-01T00:00:00.000Z' };

    it('changes with every write to agents, keys, settings, the trust list and status lists, and not with the writes of a token exchange', async () => {
      const store = await openSqliteStore(path);
      try {
        const stamps = [store.changeStamp!()];
        const expectChanged = () => {
          const now = store.changeStamp!();
          expect(now).toBeDefined();
          expect(stamps).not.toContain(now);
          stamps.push(now);
        };
        await store.putOrganization(organization);
        await store.claimOnce('oauth:dpop:x', '2999-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z');
        await store.putSession({ id: 'jti-1', chains: {}, expiresAt: '2999-01-01T00:00:00.000Z' });
        await store.appendAuditEntry({ chain: 'c', seq: 1, at: '2025-01-01T00:00:00.000Z', entry: '{}', hash: 'h1', prevHash: 'h0' });
        expect(store.changeStamp!()).toBe(stamps[0]);
        await store.putKey(secretKey);
        expectChanged();
        await store.putAgent(alice);
        expectChanged();
        await store.setAgentStatus(alice.name, 'retired');
        expectChanged();
        await store.setKeyStatus(secretKey.kid, 'retired');
        expectChanged();
        await store.putSetting('registry.trustList.token', 'eyJ.v1.sig');
        expectChanged();
        await store.putTrustList({ version: 1, token: 'list.v1.sig', publishedAt: '2025-01-01T00:00:00.000Z' });
        expectChanged();
        await store.putStatusList(list);
        expectChanged();
        await store.updateStatusList('r1', { bits: new Uint8Array(16384), version: 2, token: 'v2', updatedAt: '2025-03-02T00:00:00.000Z' });
        expectChanged();
      } finally {
        await store.close();
      }
    });

    it('changes when a transaction or a savepoint rolls back, and when another connection commits', async () => {
      const store = await openSqliteStore(path);
      try {
        const before = store.changeStamp!();
        await expect(store.transaction(() => Promise.reject(new Error('abort')))).rejects.toThrow('abort');
        const afterRollback = store.changeStamp!();
        expect(afterRollback).not.toBe(before);
        await store.transaction(async (tx) => {
          await expect(tx.transaction(() => Promise.reject(new Error('inner')))).rejects.toThrow('inner');
        });
        const afterSavepoint = store.changeStamp!();
        expect(afterSavepoint).not.toBe(afterRollback);
        // Another process's commit (a CLI command beside a running server): seen without any write here, from the next
        // turn of the event loop (its version is read once a turn, shared by the readers of one request).
        const other = new Database(path);
        other.prepare("INSERT INTO settings (name, value) VALUES ('registry.trustList.token', 'eyJ.other.sig')").run();
        other.close();
        expect(store.changeStamp!()).toBe(afterSavepoint);
        await new Promise((resolve) => setImmediate(resolve));
        const afterOther = store.changeStamp!();
        expect(afterOther).not.toBe(afterSavepoint);
        // Its own writes count at once, in the same turn.
        await store.putSetting('registry.trustList.token', 'eyJ.own.sig');
        expect(store.changeStamp!()).not.toBe(afterOther);
      } finally {
        await store.close();
      }
    });
  });

  describe('read-only', () => {
    it('reads an existing database and refuses writes with ERR_STORE', async () => {
      const writer = await openSqliteStore(path);
      await writer.putAgent(alice);
      await writer.close();

      const reader = await openSqliteStore(path, { readonly: true });
      try {
        expect(await reader.listAgents()).toEqual([alice]);
        await expect(reader.putAgent(bob)).rejects.toMatchObject({ code: 'ERR_STORE' });
        await expect(reader.setAgentStatus('alice', 'retired')).rejects.toMatchObject({ code: 'ERR_STORE' });
        expect(await reader.transaction((tx) => tx.getAgent('alice'))).toEqual(alice);
        await expect(reader.transaction((tx) => tx.putAgent(bob))).rejects.toMatchObject({ code: 'ERR_STORE' });
        expect(await reader.listAgents()).toEqual([alice]);
      } finally {
        await reader.close();
      }
    });

    it('refuses a missing file, an unmigrated file and :memory: with ERR_STORE', async () => {
      await expect(openSqliteStore(path, { readonly: true })).rejects.toMatchObject({ code: 'ERR_STORE' });
      expect(existsSync(path)).toBe(false);
      new Database(path).close();
      await expect(openSqliteStore(path, { readonly: true })).rejects.toMatchObject({
        code: 'ERR_STORE',
        reason: 'schema_outdated',
      });
      await expect(openSqliteStore(':memory:', { readonly: true })).rejects.toMatchObject({ code: 'ERR_STORE' });
    });
  });

  describe('migrations', () => {
    const broken: Migration = { version: MIGRATIONS.length + 1, description: 'broken', sql: 'CREATE TABLE t2 (x TEXT); SELECT * FROM nope;' };
    const extra: Migration = { version: MIGRATIONS.length + 1, description: 'extra', sql: 'CREATE TABLE t2 (x TEXT);' };

    function tables(db: Database.Database): string[] {
      return db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .all()
        .map((row) => row.name);
    }

    it('numbers migrations 1..n', () => {
      MIGRATIONS.forEach((migration, i) => expect(migration.version).toBe(i + 1));
    });

    it('applies only pending migrations', () => {
      const db = new Database(':memory:');
      try {
        expect(applyMigrations(db)).toBe(MIGRATIONS.length);
        expect(tables(db)).toEqual(expect.arrayContaining(['organization', 'agents', 'keys', 'credentials']));
        expect(applyMigrations(db, [...MIGRATIONS, extra])).toBe(MIGRATIONS.length + 1);
        expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
        expect(tables(db)).toContain('t2');
      } finally {
        db.close();
      }
    });

    it('rolls back every pending migration when one fails', () => {
      const db = new Database(':memory:');
      try {
        expect(() => applyMigrations(db, [...MIGRATIONS, broken])).toThrow();
        expect(db.inTransaction).toBe(false);
        expect(db.pragma('user_version', { simple: true })).toBe(0);
        expect(tables(db)).toEqual([]);
      } finally {
        db.close();
      }
    });

    it('refuses a misnumbered migration list with ERR_STORE', () => {
      const db = new Database(':memory:');
      try {
        expect(() => applyMigrations(db, [extra])).toThrow(
          expect.objectContaining({ code: 'ERR_STORE' }),
        );
      } finally {
        db.close();
      }
    });
  });

  describe('records and errors', () => {
    let store: Store;

    beforeEach(async () => {
      store = await openSqliteStore(':memory:');
      return () => store.close();
    });

    it('omits absent optional fields and returns plain Uint8Arrays', async () => {
      await store.putCredential(secretCredential);
      await store.putKey(secretKey);
      const credential = await store.getCredential(secretCredential.id);
      expect(credential && Object.keys(credential)).not.toContain('validUntil');
      const key = await store.getKey(secretKey.kid);
      expect(key?.sealedPrivateKey.constructor).toBe(Uint8Array);
    });

    it('names the conflicting column in claim, never the values in the message', async () => {
      await store.putAgent(alice);
      await store.putKey(secretKey);
      await store.putCredential(secretCredential);
      await expect(store.putAgent({ ...mallory, did: alice.did })).rejects.toMatchObject({
        code: 'ERR_CONFLICT',
        claim: 'did',
      });
      await expect(store.putAgent({ ...alice, did: mallory.did })).rejects.toMatchObject({
        code: 'ERR_CONFLICT',
        claim: 'name',
      });
      const errors = await Promise.all([
        store.putKey(secretKey).catch((e: unknown) => e),
        store.putCredential(secretCredential).catch((e: unknown) => e),
      ]);
      expect(errors).toMatchObject([
        { code: 'ERR_CONFLICT', claim: 'kid' },
        { code: 'ERR_CONFLICT', claim: 'id' },
      ]);
      for (const error of errors) {
        const text = `${String(error)} ${JSON.stringify(error)}`;
        expect(text).not.toContain('SEALED-SECRET');
        expect(text).not.toContain('SECRET.TOKEN');
        expect(text).not.toContain(alice.did);
      }
    });

    it('maps CHECK violations to ERR_STORE without values in the message', async () => {
      await store.putAgent(alice);
      await expect(store.setAgentStatus('alice', 'bogus' as AgentStatus)).rejects.toMatchObject({
        code: 'ERR_STORE',
      });
      const bad = { ...secretCredential, format: 'jwt' } as unknown as CredentialRecord;
      const error = await store.putCredential(bad).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_STORE' });
      expect(String(error)).not.toContain('SECRET.TOKEN');
      expect(await store.getAgent('alice')).toEqual(alice);
    });

    it('serves later calls after a transaction fails', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.putAgent(alice);
          await tx.putAgent(alice);
        }),
      ).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      await store.putAgent(bob);
      expect(await store.listAgents()).toEqual([bob]);
    });
  });
});
