/**
 * @module test/store/pg-fresh
 *
 * A stand-in for the PostgreSQL test harness (branch i1x-pg) until it is
 * merged: fresh, empty databases on the cluster named by
 * `LEGATE_TEST_PG_URL` (an admin URL, e.g.
 * `postgres://postgres@127.0.0.1:54329/postgres`), dropped afterwards.
 * Without it the PostgreSQL suites are skipped, saying why.
 */

import pg from 'pg';

const ADMIN_URL = process.env.LEGATE_TEST_PG_URL;

/** Why the PostgreSQL suites are skipped, or undefined when they run. */
export const pgSkipReason: string | undefined =
  ADMIN_URL === undefined ? 'PostgreSQL suites skipped: LEGATE_TEST_PG_URL is not set (no throwaway cluster)' : undefined;

let counter = 0;

/** A new empty database's URL, and how to drop it. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (ADMIN_URL === undefined) throw new Error(pgSkipReason);
  const name = `legate_test_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
