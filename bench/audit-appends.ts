/**
 * Audit appends on PostgreSQL with one and two instances (#16 item 3): how
 * many entries a second appended per second when
 *
 * - `one instance`: one store (pool of 8), 8 appends in flight on its chain;
 * - `two, one chain`: two stores, 8 in flight each, both on ONE chain (what
 *   every instance did before chains: one lock for the whole fleet);
 * - `two, own chains`: two stores, 8 in flight each, each on its own chain.
 *
 * Each scenario gets a fresh database and runs `--time` ms (default 3000);
 * no checkpoints are written (they are not on an append's path unless due).
 * Both "instances" share this one process (and this machine's cores), so
 * two instances cannot show more than the client CPU allows; what the
 * figures show is whether the second instance waits on the first.
 *
 * Run (not part of `npm run bench`): npm run build && npm run build:bench &&
 * node dist-bench/audit-appends.js [--time=3000]. Uses
 * LEGATE_TEST_DATABASE_URL when set, else a throwaway cluster (fsync off).
 */

import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pg from 'pg';
import { appendAudit } from 'legate/audit';
import { openPostgresStore } from 'legate/store';
import { findPgBinaries, startPgCluster, type PgCluster } from './pg-cluster.js';

const arg = (name: string, fallback: number) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found === undefined ? fallback : Number(found.slice(name.length + 3));
};
const TIME_MS = arg('time', 3000);
const IN_FLIGHT = 8;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Appends/s with `instances` stores, `IN_FLIGHT` appends in flight each, on the chains `chainOf` gives. */
async function scenario(serverUrl: string, instances: number, chainOf: (instance: number) => string): Promise<{ perSecond: number; perInstance: number[] }> {
  const name = `legate_bench_audit_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  const stores = [];
  for (let i = 0; i < instances; i++) stores.push(await openPostgresStore(url, { poolSize: IN_FLIGHT }));
  try {
    const counts = stores.map(() => 0);
    const end = Date.now() + TIME_MS;
    const started = performance.now();
    await Promise.all(
      stores.flatMap((store, instance) =>
        Array.from({ length: IN_FLIGHT }, async () => {
          while (Date.now() < end) {
            await appendAudit({ store, chain: chainOf(instance) }, { type: 'action', decision: 'allow', action: 'call', resource: 'billing:refund', agent: 'did:web:acme.example:agents:alice' });
            counts[instance]! += 1;
          }
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: Math.round(counts.reduce((a, b) => a + b, 0) / seconds), perInstance: counts.map((c) => Math.round(c / seconds)) };
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await admin(serverUrl, `DROP DATABASE ${name} WITH (FORCE)`);
  }
}

let cluster: PgCluster | undefined;
let url = process.env.LEGATE_TEST_DATABASE_URL;
if (url === undefined || url === '') {
  const binaries = await findPgBinaries();
  if (binaries === undefined) {
    console.log('audit-appends: skipped: no PostgreSQL binaries and no LEGATE_TEST_DATABASE_URL');
    process.exit(0);
  }
  cluster = await startPgCluster(binaries, { database: 'legate_bench' });
  url = cluster.url;
}
try {
  console.log(`audit-appends: node ${process.version}, ${availableParallelism()} cpus, ${TIME_MS} ms per scenario, ${IN_FLIGHT} in flight per instance${cluster ? ' (throwaway cluster, fsync off)' : ''}`);
  const one = await scenario(url, 1, () => 'urn:uuid:bench-a');
  console.log(`one instance:      ${one.perSecond} appends/s`);
  const shared = await scenario(url, 2, () => 'urn:uuid:bench-shared');
  console.log(`two, one chain:    ${shared.perSecond} appends/s (${shared.perInstance.join(' + ')})`);
  const own = await scenario(url, 2, (i) => `urn:uuid:bench-${i}`);
  console.log(`two, own chains:   ${own.perSecond} appends/s (${own.perInstance.join(' + ')})`);
} finally {
  await cluster?.stop();
}
