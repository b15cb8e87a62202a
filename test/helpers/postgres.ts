/**
 * PostgreSQL for tests: the server the run's globalSetup decided on
 * (test/helpers/postgres-global-setup.ts), a `describe` that skips, saying
 * why, when there is none (and fails under CI instead), and a fresh database
 * per file or per test, so files run in parallel and in any order.
 *
 *   describePostgres('repositories on PostgreSQL', () => {
 *     const db = useFreshDatabase();          // one database for this block
 *     it('…', async () => { connect(db().url) … });
 *   });
 *
 * `freshDatabase()` makes one for a single test (drop it in a `finally`).
 * Against a developer's own server (LEGATE_TEST_DATABASE_URL) the role needs
 * CREATEDB; a run killed midway leaves its `legate_t_*` databases there.
 */

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's PostgreSQL server (`started`: a throwaway cluster of this run), or why there is none. */
    postgres: { url: string; started: boolean } | { skipped: string };
  }
}

const ci = () => { const v = process.env.CI; return v !== undefined && v !== '' && v !== 'false' && v !== '0'; };

/** The run's server URL (database `legate_test` when the harness started it), or why there is none. */
export function postgresServer(): { url: string; started: boolean } | { skipped: string } {
  return inject('postgres') ?? { skipped: 'the PostgreSQL globalSetup (test/helpers/postgres-global-setup.ts) did not run for this project' };
}

/**
 * `describe` for a suite that needs PostgreSQL: skipped, with a note saying
 * why, when the run has no server; under CI an error instead of a skip.
 */
export function describePostgres(name: string, fn: () => void): void {
  const server = postgresServer();
  if ('skipped' in server) {
    if (ci()) throw new Error(`${name}: PostgreSQL is required under CI: ${server.skipped}`);
    console.warn(`[postgres] skipped "${name}": ${server.skipped}`);
  }
  describe.skipIf('skipped' in server)(name, fn);
}

/** A database of its own: its name, a URL to it, and `drop()` (which ends its connections). */
export interface FreshDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const server = postgresServer();
  if ('skipped' in server) throw new Error(`no PostgreSQL server for this run: ${server.skipped}`);
  return server.url;
}

/** The URL with its database replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Runs one statement on the run's server, in a connection of its own. */
async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates a uniquely named, empty database on the run's server. */
export async function freshDatabase(): Promise<FreshDatabase> {
  const name = `legate_t_${process.pid}_${randomBytes(6).toString('hex')}`;
  // template0: nothing a developer's server added to template1 leaks in (about 20 ms here, like the drop).
  await admin(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  let dropped = false;
  return {
    name,
    url: withDatabase(serverUrl(), name),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * A fresh database for the enclosing `describe`, created before its tests
 * and dropped after them; call the returned function inside a test or hook.
 */
export function useFreshDatabase(): () => FreshDatabase {
  let db: FreshDatabase | undefined;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  return () => {
    if (db === undefined) throw new Error('useFreshDatabase(): the database exists only inside tests and hooks of its describe');
    return db;
  };
}
