/**
 * @module bench/fleet
 *
 * The fleet cases (#16): signed actions under established sessions, 16 in
 * flight, against the answering organization run as one SQLite instance,
 * one PostgreSQL instance, and two PostgreSQL instances sharing one
 * database; audit appends per second with one and two writers; and single
 * issuance on PostgreSQL (`issue-pg.ts`).
 *
 * Each answering instance is a process of its own (`fleet-node.ts`); a
 * round-robin TCP balancer on loopback stands for the load balancer, and
 * the organization's domain is the balancer's address, so DID resolution,
 * handshakes and actions all go through it (every configuration, one
 * instance too, so the balancer's cost is the same in each). The
 * initiating organization ("support", its agents signing the actions) runs
 * in this process: the load generator. Beside each figure: the server
 * instances' CPU per action (user + system, read from /proc) and, on
 * PostgreSQL, where their database time goes per action: statements (round
 * trips), transactions, and time waiting for advisory locks, from the
 * counters each instance's store keeps (`PgCounters`), summed over the
 * instances.
 *
 * Durability is the same on both stores: SQLite in WAL with
 * `synchronous = NORMAL`, PostgreSQL with `fsync` and full-page writes on
 * and `synchronous_commit = off`: a power cut can lose the last commits,
 * never corrupt the database.
 */

import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { accredit, act, createAgent, handshake, initNode, issueToAgent, openNode } from 'legate/node';
import { startServer } from 'legate/server';
import type { Capability } from 'legate/credential';
import { appendAudit } from 'legate/audit';
import { openPostgresStore, type PgCounters } from 'legate/store';
import { measureIssuancePg, type IssuePgRow } from './issue-pg.js';
import { findPgBinaries, startPgCluster, type PgCluster } from './pg-cluster.js';

/** Agents of the initiating organization, each with its own session. */
export const AGENTS = 16;
const IN_FLIGHT = 16;
/** Audit appends in flight per writer. */
const APPENDS_IN_FLIGHT = 16;

/**
 * Operations a warm-up runs before a timed run of actions, and the most time
 * it may take. An answering instance is measured as it runs in service, its
 * path compiled: after 1 s of warm-up (~400 actions on a slow host), V8's
 * compiler threads in the instance still spent 500–800 µs of CPU per action
 * in the timed run and throughput read 40% lower than after 8 s; after some
 * 4,000 actions they spend ~25 µs (bench/README.md, "Warm-up").
 */
export const WARMUP_OPERATIONS = 4000;
export const WARMUP_MAX_MS = 20_000;

/**
 * Runs `drive` (which drives for the ms it is given and returns how many
 * operations it completed) in half-second spells until `operations` are
 * done or {@link WARMUP_MAX_MS} has passed; nothing in a smoke run.
 */
export async function warmUp(drive: (ms: number) => Promise<number>, smoke: boolean, operations = WARMUP_OPERATIONS): Promise<void> {
  if (smoke) return;
  const start = performance.now();
  for (let done = 0; done < operations && performance.now() - start < WARMUP_MAX_MS; ) done += await drive(500);
}

export interface FleetRow {
  name: string;
  opsPerSec: number;
  p50Ms?: number;
  p99Ms?: number;
  /** CPU of the answering instances per action, µs (all instances summed). */
  serverCpuUs?: number;
  /**
   * CPU of this process per action, µs: the load generator (the initiating
   * node signing, sending and recording each action) and the balancer.
   */
  clientCpuUs?: number;
  /** `actions-observed-*`: the observed instance's serverCpuUs over `actions-observed-off`'s, in percent more. */
  cpuOverheadPct?: number;
  /** PostgreSQL round trips per action (all instances), transaction control included. */
  statementsPerAction?: number;
  /** PostgreSQL transactions per action. */
  transactionsPerAction?: number;
  /** Time waiting in `lock()` (pg_advisory_xact_lock, its round trip included) per action, µs. */
  lockWaitUsPerAction?: number;
  /** That time by kind of lock (`audit`: an instance's own chain head; `usage`: one budget or rate key), µs per action. */
  lockWaitUsByKind?: string;
}

/** The instances' store counters summed (undefined on SQLite). */
async function countersOf(instances: Instance[]): Promise<PgCounters | undefined> {
  const all = await Promise.all(
    instances.map((s) => {
      const answer = s.ask<PgCounters | null>('counters');
      s.child.send({ counters: true });
      return answer;
    }),
  );
  if (all.some((c) => c === null)) return undefined;
  const byKind = (a: Record<string, number>, b: Record<string, number>) => {
    const sum = { ...a };
    for (const [kind, ms] of Object.entries(b)) sum[kind] = (sum[kind] ?? 0) + ms;
    return sum;
  };
  return (all as PgCounters[]).reduce((sum, c) => ({
    statements: sum.statements + c.statements,
    transactions: sum.transactions + c.transactions,
    locks: sum.locks + c.locks,
    lockWaitMs: sum.lockWaitMs + c.lockWaitMs,
    lockWaitMsByKind: byKind(sum.lockWaitMsByKind, c.lockWaitMsByKind),
  }));
}

/** Database cost per action, from the counters before and after the measured run. */
function perAction(before: PgCounters | undefined, after: PgCounters | undefined, actions: number): Partial<FleetRow> {
  if (before === undefined || after === undefined || actions === 0) return {};
  const r2 = (v: number) => Math.round(v * 100) / 100;
  return {
    statementsPerAction: r2((after.statements - before.statements) / actions),
    transactionsPerAction: r2((after.transactions - before.transactions) / actions),
    lockWaitUsPerAction: Math.round(((after.lockWaitMs - before.lockWaitMs) * 1000) / actions),
    lockWaitUsByKind: Object.entries(after.lockWaitMsByKind)
      .map(([kind, ms]) => `${kind} ${Math.round(((ms - (before.lockWaitMsByKind[kind] ?? 0)) * 1000) / actions)}`)
      .join(', '),
  };
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

/** user + system CPU of a process so far, in µs (Linux /proc; clock ticks of 10 ms). */
export function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** A round-robin TCP balancer on `port` over `backends` (loopback only). */
export function balancer(port: number, backends: number[]): Promise<Server> {
  let next = 0;
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: backends[next++ % backends.length]! });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

export interface Instance {
  child: ChildProcess;
  exited: Promise<number | null>;
  ask<T>(key: string): Promise<T>;
}

export function spawnInstance(start: { dataDir: string; port: number; domain: string; database?: string; first: boolean; observed?: boolean; contextManager?: boolean; sdk?: boolean }): Instance {
  // An observed instance's log goes to a file beside its data directory, as a log shipper would read it.
  const stderr = start.observed === true ? openSync(`${start.dataDir}.log`, 'a') : 'inherit';
  const child = fork(new URL('./fleet-node.js', import.meta.url), [JSON.stringify(start)], { stdio: ['ignore', 'inherit', stderr, 'ipc'] });
  if (typeof stderr === 'number') closeSync(stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ask = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (!(key in message)) return;
        child.off('message', onMessage);
        resolve(message[key] as T);
      };
      child.on('message', onMessage);
      void exited.then((code) => reject(new Error(`a fleet instance exited (${String(code)})`)));
    });
  return { child, exited, ask };
}

export function percentiles(latencies: number[], elapsedMs: number): { opsPerSec: number; p50Ms: number; p99Ms: number } {
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const ms2 = (v: number) => Math.round(v * 100) / 100;
  return { opsPerSec: Math.round((latencies.length / elapsedMs) * 1000), p50Ms: ms2(at(0.5)), p99Ms: ms2(at(0.99)) };
}

/** Signed actions under established sessions against `instances` answering instances on one store. */
/**
 * The initiating organization ("support") on loopback: a node serving on
 * `port`, with {@link AGENTS} agents (`agent-0`…) each holding `capabilities`.
 */
export async function startSupport(dataDir: string, port: number, capabilities: Capability[]): Promise<{ node: Awaited<ReturnType<typeof openNode>>; close: () => Promise<void> }> {
  await initNode({ dataDir, domain: `localhost:${port}` });
  const node = await openNode({ dataDir, allowHttpLoopback: true });
  const server = await startServer({ node, port });
  for (let i = 0; i < AGENTS; i++) {
    await createAgent(node, { name: `agent-${i}`, owner: 'mailto:dana@support.example' });
    await issueToAgent(node, { agent: `agent-${i}`, capabilities });
  }
  return {
    node,
    close: async () => {
      await server.close();
      await node.close();
    },
  };
}

async function measureActions(name: string, root: string, smoke: boolean, capabilities: Capability[], instances: number, database?: string, inFlight = IN_FLIGHT): Promise<FleetRow> {
  const [lbPort, supportPort] = [await freePort(), await freePort()];
  const domain = `localhost:${lbPort}`;
  const ports = await Promise.all(Array.from({ length: instances }, freePort));
  const dirs = ports.map((_, i) => join(root, name, `bank-${i}`));
  const started: Instance[] = [];
  const lb = await balancer(lbPort, ports);
  try {
    started.push(spawnInstance({ dataDir: dirs[0]!, port: ports[0]!, domain, ...(database === undefined ? {} : { database }), first: true }));
    const bank = await started[0]!.ask<{ organization: string; teller: string }>('ready');
    for (let i = 1; i < instances; i++) {
      // The fleet shares the organization's keys: a copy of the first instance's key files.
      mkdirSync(dirs[i]!, { recursive: true, mode: 0o700 });
      for (const file of ['keystore.json', 'master.key']) copyFileSync(join(dirs[0]!, file), join(dirs[i]!, file));
      started.push(spawnInstance({ dataDir: dirs[i]!, port: ports[i]!, domain, database: database!, first: false }));
      await started[i]!.ask('ready');
    }

    const { node: support, close: closeSupport } = await startSupport(join(root, name, 'support'), supportPort, capabilities);
    try {
      await accredit(support, { issuer: bank.organization, capabilities: ['serve:billing:*'] });
      started[0]!.child.send({ accredit: support.organization.did });
      await started[0]!.ask('accredited');
      for (let i = 0; i < AGENTS; i++) await handshake(support, { agent: `agent-${i}`, peer: bank.teller });

      const drive = async (ms: number) => {
        const latencies: number[] = [];
        const begin = performance.now();
        const end = begin + ms;
        await Promise.all(
          Array.from({ length: inFlight }, async (_, i) => {
            do {
              const t = performance.now();
              const decision = await act(support, { agent: `agent-${i % AGENTS}`, peer: bank.teller, action: 'call', resource: 'billing:refund', amount: { value: 1, currency: 'USD' } });
              if (decision.decision !== 'allow') throw new Error(`${name}: unexpected decision ${String(decision.decision)}`);
              latencies.push(performance.now() - t);
            } while (performance.now() < end);
          }),
        );
        return { latencies, elapsed: performance.now() - begin };
      };
      await warmUp(async (ms) => (await drive(ms)).latencies.length, smoke); // JIT, keep-alive connections, pools
      const countersBefore = await countersOf(started);
      const cpuBefore = started.reduce((sum, s) => sum + cpuUs(s.child.pid!), 0);
      const clientBefore = process.cpuUsage();
      const { latencies, elapsed } = await drive(smoke ? 100 : 5000);
      const client = process.cpuUsage(clientBefore);
      const cpu = started.reduce((sum, s) => sum + cpuUs(s.child.pid!), 0) - cpuBefore;
      const database = perAction(countersBefore, await countersOf(started), latencies.length);
      const clientCpuUs = Math.round((client.user + client.system) / latencies.length);
      return { name, ...percentiles(latencies, elapsed), serverCpuUs: Math.round(cpu / latencies.length), clientCpuUs, ...database };
    } finally {
      await closeSupport();
    }
  } finally {
    for (const s of started) s.child.send({ close: true });
    await Promise.all(started.map((s) => s.exited));
    await new Promise((resolve) => lb.close(resolve));
  }
}

/** Audit appends per second: `writers` store handles (as many instances), each on its own chain, each appending with 16 in flight. */
async function measureAppends(name: string, url: string, smoke: boolean, writers: number): Promise<FleetRow> {
  const stores = await Promise.all(Array.from({ length: writers }, () => openPostgresStore(url, { poolSize: APPENDS_IN_FLIGHT })));
  // Each writer appends to a chain of its own, as each serving instance does (#16).
  const chains = stores.map(() => `urn:uuid:${randomUUID()}`);
  try {
    const fields = { type: 'action', decision: 'allow', action: 'call', resource: 'billing:refund', agent: 'did:web:support.example:agents:alice', owner: 'mailto:dana@support.example' } as const;
    const drive = async (ms: number) => {
      const latencies: number[] = [];
      const begin = performance.now();
      const end = begin + ms;
      await Promise.all(
        stores.flatMap((store, writer) =>
          Array.from({ length: APPENDS_IN_FLIGHT }, async () => {
            do {
              const t = performance.now();
              await appendAudit({ store, chain: chains[writer] }, fields);
              latencies.push(performance.now() - t);
            } while (performance.now() < end);
          }),
        ),
      );
      return { latencies, elapsed: performance.now() - begin };
    };
    await drive(smoke ? 0 : 500);
    const { latencies, elapsed } = await drive(smoke ? 100 : 3000);
    return { name, ...percentiles(latencies, elapsed) };
  } finally {
    for (const store of stores) await store.close();
  }
}

/** A fresh database on the cluster; its URL. */
async function createDatabase(cluster: PgCluster, name: string): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Runs the fleet cases under `root`. Without PostgreSQL binaries the
 * PostgreSQL cases are left out, saying why (CI installs them).
 */
export async function measureFleet(root: string, smoke: boolean, capabilities: Capability[], withPg = true): Promise<(FleetRow | IssuePgRow)[]> {
  // #19 item 1: 16 in flight, and one at a time (its p50 is the latency of a lone action over loopback HTTP).
  const rows: (FleetRow | IssuePgRow)[] = [await measureActions('actions-sqlite-1', root, smoke, capabilities, 1), await measureActions('actions-sqlite-1-one', root, smoke, capabilities, 1, undefined, 1)];
  if (!withPg) return rows;
  const binaries = await findPgBinaries();
  if (binaries === undefined) {
    console.warn('bench: no PostgreSQL binaries (/usr/lib/postgresql/*/bin): the actions-pg and audit-appends cases are left out');
    return rows;
  }
  const cluster = await startPgCluster(binaries, { settings: { fsync: 'on', full_page_writes: 'on', synchronous_commit: 'off' } });
  try {
    rows.push(await measureActions('actions-pg-1', root, smoke, capabilities, 1, await createDatabase(cluster, 'fleet_one')));
    rows.push(await measureActions('actions-pg-2', root, smoke, capabilities, 2, await createDatabase(cluster, 'fleet_two')));
    rows.push(await measureAppends('audit-appends-pg-1', await createDatabase(cluster, 'audit_one'), smoke, 1));
    rows.push(await measureAppends('audit-appends-pg-2', await createDatabase(cluster, 'audit_two'), smoke, 2));
    // #19 item 4 on PostgreSQL: single issuance, and its round trips.
    rows.push(await measureIssuancePg('issue-credential-pg', root, await createDatabase(cluster, 'issue_one'), smoke, capabilities));
  } finally {
    await cluster.stop();
  }
  return rows;
}
