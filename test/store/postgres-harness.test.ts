// The PostgreSQL test harness itself: the run's server answers, a fresh
// database is a database of its own (tables and rows do not cross, a dropped
// one is gone), and the decision between a given server, a throwaway
// cluster, a skip and a CI failure.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { planPostgres } from '../helpers/postgres-global-setup.js';
import { describePostgres, freshDatabase, postgresServer, useFreshDatabase } from '../helpers/postgres.js';

/** Runs `fn` with a client on `url`, closed afterwards. */
async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE a promise rejects with. */
const sqlState = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: { code?: string }) => error.code);

describePostgres('PostgreSQL test harness', () => {
  const db = useFreshDatabase();

  it('connects to a fresh database, creates a table, inserts and selects', async () => {
    const rows = await withClient(db().url, async (c) => {
      await c.query('CREATE TABLE agents (did text PRIMARY KEY, name text NOT NULL)');
      await c.query('INSERT INTO agents (did, name) VALUES ($1, $2), ($3, $4)', ['did:key:alice', 'alice', 'did:key:bob', 'bob']);
      return (await c.query<{ name: string }>('SELECT name FROM agents ORDER BY name')).rows;
    });
    expect(rows.map((r) => r.name)).toEqual(['alice', 'bob']);
    expect(new URL(db().url).pathname).toBe(`/${db().name}`);
  });

  it('keeps two fresh databases apart, and a dropped one is gone', async () => {
    const [a, b] = [await freshDatabase(), await freshDatabase()];
    try {
      expect(a.name).not.toBe(b.name);
      await withClient(a.url, async (c) => {
        await c.query('CREATE TABLE replay (key text PRIMARY KEY)');
        await c.query("INSERT INTO replay VALUES ('nonce-alice')");
      });
      // b has no such table (42P01 undefined_table), then its own with other rows.
      expect(await withClient(b.url, (c) => sqlState(c.query('SELECT key FROM replay')))).toBe('42P01');
      await withClient(b.url, async (c) => {
        await c.query('CREATE TABLE replay (key text PRIMARY KEY)');
        await c.query("INSERT INTO replay VALUES ('nonce-bob')");
      });
      const keys = (url: string) => withClient(url, async (c) => (await c.query<{ key: string }>('SELECT key FROM replay')).rows.map((r) => r.key));
      expect(await keys(a.url)).toEqual(['nonce-alice']);
      expect(await keys(b.url)).toEqual(['nonce-bob']);
    } finally {
      await a.drop();
      await b.drop();
    }
    // 3D000 invalid_catalog_name: the database no longer exists.
    expect(await sqlState(withClient(a.url, (c) => c.query('SELECT 1')))).toBe('3D000');
  });

  it('a throwaway cluster listens on loopback only and asks for a password over TCP', async () => {
    const server = postgresServer();
    if ('skipped' in server || !server.started) return; // a developer's own server is configured as they chose
    const url = new URL(server.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(await withClient(server.url, async (c) => (await c.query<{ listen_addresses: string }>('SHOW listen_addresses')).rows[0]?.listen_addresses)).toBe('127.0.0.1');
    url.password = 'not-the-password';
    // 28P01 invalid_password: scram-sha-256 on loopback, not trust.
    expect(await sqlState(withClient(url.toString(), (c) => c.query('SELECT 1')))).toBe('28P01');
  });
});

describe('planPostgres', () => {
  const binaries = { bindir: '/usr/lib/postgresql/15/bin', version: 15 };

  it('uses LEGATE_TEST_DATABASE_URL when set, without starting a cluster', () => {
    expect(planPostgres({ LEGATE_TEST_DATABASE_URL: 'postgres://127.0.0.1/dev', CI: 'true' }, binaries)).toEqual({ kind: 'given', url: 'postgres://127.0.0.1/dev' });
  });

  it('starts a throwaway cluster when the binaries exist', () => {
    expect(planPostgres({}, binaries)).toEqual({ kind: 'start', binaries });
  });

  it('skips, saying why, without binaries outside CI', () => {
    const plan = planPostgres({ CI: 'false' }, undefined);
    expect(plan.kind).toBe('skip');
    expect(plan.kind === 'skip' && plan.reason).toMatch(/no PostgreSQL binaries found.*LEGATE_TEST_DATABASE_URL/);
  });

  it('fails instead of skipping under CI', () => {
    const plan = planPostgres({ CI: 'true' }, undefined);
    expect(plan.kind).toBe('fail');
    expect(plan.kind === 'fail' && plan.reason).toMatch(/CI never skips the PostgreSQL suites/);
  });
});
