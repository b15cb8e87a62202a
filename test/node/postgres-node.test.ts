// A node whose store is PostgreSQL (`database`: LEGATE_DATABASE_URL or --store): initialized and
// opened through it, a second instance opened from a copy of the data directory shares its state,
// a second organization in the same database is refused, and the CLI takes the URL from the
// environment or the flag.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { initNode } from '../../src/node/init.js';
import { isInitialized, openNode } from '../../src/node/open.js';
import { legate, serveInProcess } from '../cli/helpers.js';
import { freePort } from '../helpers/federation.js';
import { describePostgres, freshDatabase, type FreshDatabase } from '../helpers/postgres.js';

const databases: FreshDatabase[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  for (const path of dirs) rmSync(path, { recursive: true, force: true });
});

async function database(): Promise<string> {
  const db = await freshDatabase();
  databases.push(db);
  return db.url;
}

function dir(name: string): string {
  const parent = mkdtempSync(join(tmpdir(), 'legate-pg-node-'));
  dirs.push(parent);
  return join(parent, name);
}

describePostgres('a node on PostgreSQL', () => {
  describe('initNode and openNode', () => {
    it('keeps the state in the database, the sealing in the data directory, and shares it with a second instance', async () => {
      const url = await database();
      const first = dir('acme-1');
      const org = await initNode({ dataDir: first, domain: 'acme.example', database: url });
      expect(existsSync(join(first, 'legate.db'))).toBe(false);
      expect(readdirSync(first).sort()).toEqual(['admin.token', 'keystore.json', 'master.key']);
      // Without the URL the directory is no node: its state is elsewhere.
      expect(isInitialized(first)).toBe(false);
      expect(isInitialized(first, url)).toBe(true);
      await expect(openNode({ dataDir: first })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', claim: 'data' });

      // The second instance: the same sealing (a copy of the key files), the same database.
      const second = dir('acme-2');
      mkdirSync(second, { mode: 0o700 });
      for (const file of ['keystore.json', 'master.key']) copyFileSync(join(first, file), join(second, file));
      const a = await openNode({ dataDir: first, database: url, databasePoolSize: 2 });
      const b = await openNode({ dataDir: second, database: url, databasePoolSize: 2 });
      try {
        expect(a.organization).toEqual(org);
        expect(b.organization).toEqual(org);
        const alice = await createAgent(a, { name: 'alice', owner: 'mailto:alice@acme.example' });
        expect(await b.store.getAgent('alice')).toEqual(alice);
        // One organization key, unsealed by either instance.
        const [keyA, keyB] = [await a.keys.signer(`${org.did}#key-1`), await b.keys.signer(`${org.did}#key-1`)];
        expect(keyB.kid).toBe(keyA.kid);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('refuses a second organization in the same database with ERR_CONFLICT, leaving the new directory empty', async () => {
      const url = await database();
      await initNode({ dataDir: dir('acme'), domain: 'acme.example', database: url });
      const mallory = dir('mallory');
      await expect(initNode({ dataDir: mallory, domain: 'evil.example', database: url })).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      expect(readdirSync(mallory)).toEqual([]);
    });
  });

  describe('the CLI', () => {
    it('initializes with --store, then finds the node through LEGATE_DATABASE_URL, and never prints the URL', async () => {
      const url = await database();
      const data = dir('cli');
      const init = await legate(['--data', data, '--json', 'init', '--store', url, '--domain', 'acme.example']);
      expect(init.code).toBe(0);
      expect(init.json()).toMatchObject({ did: 'did:web:acme.example' });
      expect(existsSync(join(data, 'legate.db'))).toBe(false);

      const env = { LEGATE_DATABASE_URL: url };
      const created = await legate(['--data', data, '--json', 'agent', 'create', 'alice', '--owner', 'mailto:alice@acme.example'], { env });
      expect(created.code).toBe(0);
      const check = await legate(['--data', data, '--json', 'store', 'check'], { env });
      expect(check.code).toBe(0);
      const shown = await legate(['--data', data, 'config', 'show'], { env });
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/^database\s+\S+\s+env\s+node$/m);
      expect(`${shown.stdout}${shown.stderr}`).not.toContain(url);
      // Without the URL: no node here.
      const without = await legate(['--data', data, '--json', 'agent', 'list']);
      expect(without.code).not.toBe(0);
      expect(without.stdout + without.stderr).toContain('ERR_NOT_FOUND');
    });

    it('serves two instances of one organization from one database', async () => {
      const url = await database();
      const [portA, portB] = [await freePort(), await freePort()];
      const [a, b] = [dir('a'), dir('b')];
      expect((await legate(['--data', a, 'init', '--domain', `localhost:${portA}`], { env: { LEGATE_DATABASE_URL: url } })).code).toBe(0);
      mkdirSync(b, { mode: 0o700 });
      for (const file of ['keystore.json', 'master.key']) copyFileSync(join(a, file), join(b, file));
      const env = { LEGATE_DATABASE_URL: url, LEGATE_DATABASE_POOL_SIZE: '2' };
      const serving = [await serveInProcess(['--data', a], ['--port', String(portA)], env), await serveInProcess(['--data', b], ['--port', String(portB)], env)];
      try {
        const documents = await Promise.all(
          [portA, portB].map(async (port) => (await fetch(`http://127.0.0.1:${port}/.well-known/did.json`)).json() as Promise<{ id: string }>),
        );
        expect(documents.map((d) => d.id)).toEqual([`did:web:localhost%3A${portA}`, `did:web:localhost%3A${portA}`]);
      } finally {
        expect(await Promise.all(serving.map((s) => s.stop()))).toEqual([0, 0]);
      }
    });
  });
});

