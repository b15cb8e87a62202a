/**
 * Vitest globalSetup (vitest.config.ts): the PostgreSQL server the PostgreSQL
 * suites use, decided once per run and handed to the tests through
 * `provide('postgres', …)` (read it with test/helpers/postgres.ts).
 *
 * - `LEGATE_TEST_DATABASE_URL` set: that server, left as it is.
 * - PostgreSQL binaries here: a throwaway cluster (bench/pg-cluster.ts) with
 *   a database `legate_test`, stopped and removed at teardown.
 * - Neither: the suites are skipped, saying why; under CI (`CI` set) the run
 *   fails instead, since CI must never skip them.
 *
 * Every project inherits this file from the root config; only the root
 * project acts (it runs in every run, and what it provides reaches every
 * project), so a run starts one cluster, not one per project.
 */

import type { TestProject } from 'vitest/node';
import { findPgBinaries, startPgCluster, type PgBinaries } from '../../bench/pg-cluster.js';

/** What this run does for PostgreSQL, from the environment and the binaries found. */
export type PostgresPlan =
  | { kind: 'given'; url: string }
  | { kind: 'start'; binaries: PgBinaries }
  | { kind: 'skip'; reason: string }
  | { kind: 'fail'; reason: string };

export function planPostgres(env: NodeJS.ProcessEnv, binaries: PgBinaries | undefined): PostgresPlan {
  const given = env.LEGATE_TEST_DATABASE_URL;
  if (given !== undefined && given !== '') return { kind: 'given', url: given };
  if (binaries !== undefined) return { kind: 'start', binaries };
  const reason = 'no PostgreSQL binaries found (/usr/lib/postgresql/*/bin/initdb, or initdb in `pg_config --bindir`) and LEGATE_TEST_DATABASE_URL is not set';
  if (env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0') {
    return { kind: 'fail', reason: `${reason}; CI never skips the PostgreSQL suites (install PostgreSQL: .ci/run does it with apt-get)` };
  }
  return { kind: 'skip', reason: `${reason}; install PostgreSQL or set LEGATE_TEST_DATABASE_URL to run them` };
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!project.isRootProject()) return undefined;
  const plan = planPostgres(process.env, await findPgBinaries());
  switch (plan.kind) {
    case 'given':
      project.provide('postgres', { url: plan.url, started: false });
      return undefined;
    case 'fail':
      throw new Error(`PostgreSQL test server: ${plan.reason}`);
    case 'skip':
      console.warn(`PostgreSQL suites will be skipped: ${plan.reason}`);
      project.provide('postgres', { skipped: plan.reason });
      return undefined;
    case 'start': {
      const cluster = await startPgCluster(plan.binaries, { database: 'legate_test' });
      project.provide('postgres', { url: cluster.url, started: true });
      return () => cluster.stop();
    }
  }
}
