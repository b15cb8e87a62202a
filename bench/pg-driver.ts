/**
 * @module bench/pg-driver
 *
 * Which PostgreSQL driver the store should use: `pg` (node-postgres, named
 * prepared statements, a `Pool`) against `postgres` (porsager, prepared by
 * default), on the store's hot statements, against a real server.
 *
 *   claim   a one-time key: INSERT … ON CONFLICT (key) DO NOTHING RETURNING key
 *   budget  BEGIN; pg_advisory_xact_lock; SELECT sum(amount) of the key since
 *           a time; INSERT the usage; COMMIT
 *   audit   BEGIN; pg_advisory_xact_lock on the chain; read the chain's last
 *           row; INSERT the next row (sha256 of the previous hash and the
 *           payload); COMMIT
 *
 * Each case runs one at a time (`-1`: latency) and 16 in flight over a pool
 * of 8 connections (`-16`: throughput, p99), for a bounded time (3 s per
 * case and driver, in 3 rounds in which the drivers take turns). Reported: ops/s, p50/p99 and the client's CPU
 * per operation (`process.cpuUsage`, every thread of this process; the
 * server's CPU is not in it). Writes bench/results/pg-driver.json.
 *
 * Run (after `npm run build:bench`): node dist-bench/pg-driver.js
 *   [--time=<ms per case>] [--rounds=<n>] [--smoke]. It uses LEGATE_TEST_DATABASE_URL when
 * set, else starts a throwaway cluster (bench/pg-cluster.ts) and removes it.
 * Not part of `npm run bench`.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import pg from 'pg';
import postgres from 'postgres';
import { findPgBinaries, startPgCluster, type PgCluster } from './pg-cluster.js';

const smoke = process.argv.includes('--smoke');
const timeArg = process.argv.find((a) => a.startsWith('--time='))?.slice('--time='.length);
const TIME_MS = timeArg !== undefined ? Number(timeArg) : smoke ? 200 : 3000;
const WARMUP_MS = smoke ? 20 : 200;
/** Rounds per case (`--rounds=`): the drivers take turns, TIME_MS / ROUNDS each per round. */
const roundsArg = process.argv.find((a) => a.startsWith('--rounds='))?.slice('--rounds='.length);
const ROUNDS = roundsArg !== undefined ? Number(roundsArg) : smoke ? 1 : 3;
const POOL = 8;
const IN_FLIGHT = 16;
/** Budget keys the budget case spreads its operations over (16 in flight contend now and then). */
const BUDGET_KEYS = 64;

const SCHEMA = [
  'DROP TABLE IF EXISTS one_time_keys, usage, audit',
  'CREATE TABLE one_time_keys (key text PRIMARY KEY, expires_at bigint NOT NULL)',
  'CREATE TABLE usage (id bigserial PRIMARY KEY, budget int NOT NULL, amount bigint NOT NULL, at bigint NOT NULL)',
  'CREATE INDEX usage_budget_at ON usage (budget, at)',
  'CREATE TABLE audit (chain int NOT NULL, seq bigint NOT NULL, prev text NOT NULL, hash text NOT NULL, entry text NOT NULL, PRIMARY KEY (chain, seq))',
];

const SQL = {
  claim: 'INSERT INTO one_time_keys (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key',
  lock: 'SELECT pg_advisory_xact_lock($1)',
  spent: 'SELECT coalesce(sum(amount), 0)::bigint AS spent FROM usage WHERE budget = $1 AND at >= $2',
  use: 'INSERT INTO usage (budget, amount, at) VALUES ($1, $2, $3)',
  auditLock: 'SELECT pg_advisory_xact_lock(2, $1)',
  auditLast: 'SELECT seq, hash FROM audit WHERE chain = $1 ORDER BY seq DESC LIMIT 1',
  auditAppend: 'INSERT INTO audit (chain, seq, prev, hash, entry) VALUES ($1, $2, $3, $4, $5)',
} as const;

/** One operation of a case; `worker` is the in-flight slot (0 … in-flight − 1), `n` a unique counter. */
type Op = (worker: number, n: number) => Promise<void>;

interface Driver {
  name: string;
  claim: Op;
  budget: Op;
  audit: Op;
  close(): Promise<void>;
}

const entry = (n: number) => JSON.stringify({ type: 'action.allowed', agent: 'did:key:alice', n });
const chainHash = (prev: string, e: string) => createHash('sha256').update(prev).update(e).digest('hex');
/** Budget window: what the last second spent (keeps the sum's index range short however long the run). */
const since = () => Date.now() - 1000;

function nodePostgres(url: string): Driver {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  /** `transaction(fn)` over a pinned client, as the store would write it. */
  async function transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
  return {
    name: 'pg',
    claim: async (_w, n) => {
      const { rows } = await pool.query<{ key: string }>({ name: 'claim', text: SQL.claim, values: [`pg-${n}`, Date.now() + 60_000] });
      if (rows.length !== 1) throw new Error('claim lost');
    },
    budget: (_w, n) =>
      transaction(async (c) => {
        const budget = n % BUDGET_KEYS;
        await c.query({ name: 'lock', text: SQL.lock, values: [budget] });
        const { rows } = await c.query<{ spent: string }>({ name: 'spent', text: SQL.spent, values: [budget, since()] });
        if (BigInt(rows[0]?.spent ?? '0') < 0n) throw new Error('negative');
        await c.query({ name: 'use', text: SQL.use, values: [budget, 1, Date.now()] });
      }),
    audit: (w, n) =>
      transaction(async (c) => {
        await c.query({ name: 'auditLock', text: SQL.auditLock, values: [w] });
        const { rows } = await c.query<{ seq: string; hash: string }>({ name: 'auditLast', text: SQL.auditLast, values: [w] });
        const last = rows[0];
        const e = entry(n);
        const prev = last?.hash ?? '';
        await c.query({ name: 'auditAppend', text: SQL.auditAppend, values: [w, Number(last?.seq ?? 0) + 1, prev, chainHash(prev, e), e] });
      }),
    close: () => pool.end(),
  };
}

function porsager(url: string): Driver {
  const sql = postgres(url, { max: POOL, prepare: true, onnotice: () => undefined });
  return {
    name: 'postgres',
    claim: async (_w, n) => {
      const rows = await sql<{ key: string }[]>`INSERT INTO one_time_keys (key, expires_at) VALUES (${`postgres-${n}`}, ${Date.now() + 60_000}) ON CONFLICT (key) DO NOTHING RETURNING key`;
      if (rows.length !== 1) throw new Error('claim lost');
    },
    budget: async (_w, n) => {
      const budget = n % BUDGET_KEYS;
      await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${budget})`;
        const [row] = await tx<{ spent: string }[]>`SELECT coalesce(sum(amount), 0)::bigint AS spent FROM usage WHERE budget = ${budget} AND at >= ${since()}`;
        if (BigInt(row?.spent ?? '0') < 0n) throw new Error('negative');
        await tx`INSERT INTO usage (budget, amount, at) VALUES (${budget}, ${1}, ${Date.now()})`;
      });
    },
    audit: async (w, n) => {
      await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(2, ${w})`;
        const [last] = await tx<{ seq: string; hash: string }[]>`SELECT seq, hash FROM audit WHERE chain = ${w} ORDER BY seq DESC LIMIT 1`;
        const e = entry(n);
        const prev = last?.hash ?? '';
        await tx`INSERT INTO audit (chain, seq, prev, hash, entry) VALUES (${w}, ${Number(last?.seq ?? 0) + 1}, ${prev}, ${chainHash(prev, e)}, ${e})`;
      });
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

interface Result {
  name: string;
  driver: string;
  inFlight: number;
  ops: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerOp: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** What the rounds of one case with one driver add up to. */
interface Tally {
  latencies: number[];
  elapsedMs: number;
  cpuUs: number;
}

/** One round of `op` with `inFlight` loops for TIME_MS / ROUNDS (after a short warm-up), every call timed into `tally`. */
async function measureRound(op: Op, inFlight: number, counter: { n: number }, tally: Tally): Promise<void> {
  const loop = async (worker: number, until: number, latencies?: number[]) => {
    while (performance.now() < until) {
      const start = performance.now();
      await op(worker, counter.n++);
      latencies?.push(performance.now() - start);
    }
  };
  const workers = Array.from({ length: inFlight }, (_, w) => w);
  const warmUntil = performance.now() + WARMUP_MS;
  await Promise.all(workers.map((w) => loop(w, warmUntil)));
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(workers.map((w) => loop(w, start + TIME_MS / ROUNDS, tally.latencies)));
  tally.elapsedMs += performance.now() - start;
  const used = process.cpuUsage(cpu);
  tally.cpuUs += used.user + used.system;
}

function result(name: string, driver: string, inFlight: number, tally: Tally): Result {
  const sorted = [...tally.latencies].sort((a, b) => a - b);
  const round = (x: number, digits: number) => Number(x.toFixed(digits));
  return {
    name,
    driver,
    inFlight,
    ops: sorted.length,
    opsPerSec: round((sorted.length / tally.elapsedMs) * 1000, 0),
    p50Ms: round(percentile(sorted, 0.5), 3),
    p99Ms: round(percentile(sorted, 0.99), 3),
    cpuUsPerOp: round(tally.cpuUs / sorted.length, 1),
  };
}

let cluster: PgCluster | undefined;
let url = process.env.LEGATE_TEST_DATABASE_URL;
if (url === undefined || url === '') {
  const binaries = await findPgBinaries();
  if (binaries === undefined) {
    console.log('pg-driver: skipped: no PostgreSQL binaries (/usr/lib/postgresql/*/bin/initdb or pg_config --bindir) and no LEGATE_TEST_DATABASE_URL');
    process.exit(0);
  }
  cluster = await startPgCluster(binaries, { database: 'legate_bench' });
  url = cluster.url;
}

const results: Result[] = [];
try {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  for (const statement of SCHEMA) await setup.query(statement);
  const { rows } = await setup.query<{ server_version: string }>('SHOW server_version');
  await setup.end();
  console.log(`pg-driver: PostgreSQL ${rows[0]?.server_version ?? '?'}, node ${process.version}, ${availableParallelism()} cpus, ${TIME_MS} ms per case in ${ROUNDS} rounds${cluster ? ' (throwaway cluster, fsync off)' : ''}`);

  const drivers = [nodePostgres(url), porsager(url)];
  const counter = { n: 0 };
  for (const caseName of ['claim', 'budget', 'audit'] as const) {
    for (const inFlight of [1, IN_FLIGHT]) {
      const tallies = drivers.map((): Tally => ({ latencies: [], elapsedMs: 0, cpuUs: 0 }));
      // Drivers interleaved round by round, who goes first alternating, so a drifting
      // (shared, busy) machine or a filling table weighs on both alike.
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) await measureRound((drivers[i] as Driver)[caseName], inFlight, counter, tallies[i] as Tally);
      }
      drivers.forEach((driver, i) => {
        const row = result(`${caseName}-${inFlight}`, driver.name, inFlight, tallies[i] as Tally);
        results.push(row);
        console.log(`${row.name.padEnd(10)} ${row.driver.padEnd(9)} ${String(row.opsPerSec).padStart(7)} ops/s  p50 ${row.p50Ms.toFixed(3).padStart(7)} ms  p99 ${row.p99Ms.toFixed(3).padStart(7)} ms  cpu ${row.cpuUsPerOp.toFixed(1).padStart(6)} µs/op`);
      });
    }
  }
  for (const driver of drivers) await driver.close();
} finally {
  await cluster?.stop();
}
if (!smoke) {
  mkdirSync(new URL('../bench/results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('../bench/results/pg-driver.json', import.meta.url),
    `${JSON.stringify({ node: process.version, cpus: availableParallelism(), date: new Date().toISOString(), timeMs: TIME_MS, rounds: ROUNDS, poolSize: POOL, inFlight: IN_FLIGHT, results }, null, 2)}\n`,
  );
}
