/**
 * @module bench/soak
 *
 * `npm run soak` (#19 item 5): the answering organization ("bank") runs as
 * an operator runs it, `legate serve` on SQLite in a process of its own
 * with its jobs (sweeping, checkpoints) on; "support" drives it from this
 * process at the soak mix, one handshake per four signed actions with 8 in
 * flight, for ten minutes (`--minutes=`; `--seconds=` for a smoke run). Every
 * five seconds it samples the server's resident memory (VmRSS), with its V8
 * heap and external memory from `/metrics`, and, at the
 * end, what the database holds: all of it, and the audit log alone (its
 * entries, the session tokens they share, checkpoints, and their indexes).
 *
 * It fails (exit 1) when any action is not allowed, when the server's RSS
 * reaches 250 MB, or, in a run of five minutes or more, when RSS still
 * climbs in the second half (its least-squares slope over more than
 * 1 MB a minute). Writes `bench/results/soak.json`.
 */

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { act, handshake } from 'legate/node';
import { AGENTS, freePort, startSupport } from './fleet.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const seconds = Number(arg('seconds') ?? Number(arg('minutes') ?? 10) * 60);
if (!Number.isFinite(seconds) || seconds < 10 || seconds > 3600) throw new Error('--seconds is 10 to 3600 (--minutes 1 to 60)');
const IN_FLIGHT = 8;
const ACTIONS_PER_HANDSHAKE = 4;
const SAMPLE_MS = 5000;
const RSS_LIMIT_MB = 250;
const SLOPE_LIMIT_MB_PER_MIN = 1;

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'legate-soak-'));
const bankDir = join(root, 'bank');
// The server logs warnings only: a line per request would measure the log, not the node.
const env = { ...process.env, LEGATE_ALLOW_HTTP_LOOPBACK: 'true', LEGATE_LOG_LEVEL: 'warn' };

/** Runs a CLI command on the bank's data directory; throws on failure. */
function legate(...args: string[]): string {
  const run = spawnSync(process.execPath, [CLI, '--data', bankDir, ...args], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`legate ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

const rssMb = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
};

/** Least-squares slope of `points` (minutes, MB), in MB a minute. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
}

const [bankPort, supportPort] = [await freePort(), await freePort()];
mkdirSync(bankDir, { recursive: true, mode: 0o700 });
legate('init', '--domain', `localhost:${bankPort}`);
legate('agent', 'create', 'teller', '--owner', 'mailto:ops@bank.example');
legate('cap', 'issue', 'teller', '--action', 'serve', '--resource', 'billing:refunds', '--valid-for', 'P1D');
const teller = (JSON.parse(legate('agent', 'show', 'teller', '--json')) as { agent: { did: string } }).agent.did;
const bankDid = `did:web:localhost%3A${bankPort}`;

const { node: support, close: closeSupport } = await startSupport(join(root, 'support'), supportPort, [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } }]);
legate('registry', 'accredit', support.organization.did, '--for', 'call:billing:*');
const { accredit } = await import('legate/node');
await accredit(support, { issuer: bankDid, capabilities: ['serve:billing:*'] });

const server = spawn(process.execPath, [CLI, '--data', bankDir, 'serve', '--port', String(bankPort)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
// Never left behind: a failure below still stops the server.
process.once('exit', () => server.kill('SIGKILL'));
const deadlineReady = Date.now() + 30_000;
for (;;) {
  const ok = await fetch(`http://127.0.0.1:${bankPort}/readyz`).then((r) => r.ok, () => false);
  if (ok) break;
  if (Date.now() > deadlineReady) throw new Error('the bank did not become ready in 30 s');
  await new Promise((r) => setTimeout(r, 200));
}

/** The server's V8 heap (total and used) and external memory in MB, from its `/metrics` (prom-client's process metrics); undefined when it does not answer. */
async function heapMb(): Promise<{ heapTotalMb: number; heapUsedMb: number; externalMb: number } | undefined> {
  const text = await fetch(`http://127.0.0.1:${bankPort}/metrics`).then((r) => (r.ok ? r.text() : undefined), () => undefined);
  if (text === undefined) return undefined;
  const read = (name: string) => Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 1e5) / 10;
  return { heapTotalMb: read('nodejs_heap_size_total_bytes'), heapUsedMb: read('nodejs_heap_size_used_bytes'), externalMb: read('nodejs_external_memory_bytes') };
}

type Sample = { atMin: number; rssMb: number; heapTotalMb?: number; heapUsedMb?: number; externalMb?: number };
const samples: Sample[] = [];
const started = performance.now();
// RSS at once; the heap split when /metrics answers (it tells the V8 heap apart from native memory).
const sample = () => {
  const point: Sample = { atMin: (performance.now() - started) / 60_000, rssMb: Math.round(rssMb(server.pid!) * 10) / 10 };
  samples.push(point);
  void heapMb().then((heap) => Object.assign(point, heap));
};
sample();
const sampler = setInterval(sample, SAMPLE_MS);
let actions = 0;
let handshakes = 0;
const refusals: string[] = [];
const end = started + seconds * 1000;
try {
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, worker) => {
      for (let round = 0; performance.now() < end; round++) {
        const agent = `agent-${(worker + round * IN_FLIGHT) % AGENTS}`;
        await handshake(support, { agent, peer: teller });
        handshakes++;
        for (let i = 0; i < ACTIONS_PER_HANDSHAKE; i++) {
          const decision = await act(support, { agent, peer: teller, action: 'call', resource: 'billing:refund', amount: { value: 1, currency: 'USD' } });
          if (decision.decision !== 'allow') refusals.push(String(decision.decision));
          actions++;
        }
        if (refusals.length > 0) return;
      }
    }),
  );
} finally {
  clearInterval(sampler);
}
sample();
const elapsed = (performance.now() - started) / 1000;

// What the store holds: the database and its WAL, and the audit log's rows alone.
const files = ['legate.db', 'legate.db-wal'].map((f) => join(bankDir, f));
const dbBytes = files.reduce((sum, f) => sum + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);
const db = new Database(files[0], { readonly: true });
// Every table and index of the log: entries, the session tokens their signed actions share, checkpoints.
const auditBytes = (db.prepare("SELECT COALESCE(SUM(pgsize), 0) AS n FROM dbstat WHERE name LIKE 'audit!_%' ESCAPE '!' OR name LIKE 'sqlite!_autoindex!_audit!_%' ESCAPE '!'").get() as { n: number }).n;
db.close();

server.kill('SIGTERM');
await exited;
await closeSupport();
rmSync(root, { recursive: true, force: true });

const secondHalf = samples.filter((s) => s.atMin >= seconds / 120).map((s): [number, number] => [s.atMin, s.rssMb]);
const result = {
  seconds: Math.round(elapsed),
  inFlight: IN_FLIGHT,
  actions,
  handshakes,
  actionsPerSec: Math.round(actions / elapsed),
  rssMb: { first: samples[0]!.rssMb, max: Math.max(...samples.map((s) => s.rssMb)), last: samples.at(-1)!.rssMb },
  // The largest V8 heap (total, used) and external memory sampled: what of RSS is the JavaScript heap.
  heapMb: Object.fromEntries((['heapTotalMb', 'heapUsedMb', 'externalMb'] as const).map((k) => [k, Math.max(0, ...samples.map((s) => s[k] ?? 0))])),
  rssSlopeSecondHalfMbPerMin: Math.round(slope(secondHalf) * 100) / 100,
  dbBytesPerAction: Math.round(dbBytes / actions),
  auditBytesPerAction: Math.round(auditBytes / actions),
  samples,
};
mkdirSync(fileURLToPath(new URL('../bench/results/', import.meta.url)), { recursive: true });
writeFileSync(fileURLToPath(new URL('../bench/results/soak.json', import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify({ ...result, samples: samples.length }, null, 2));

const failures = [
  ...(refusals.length > 0 ? [`${refusals.length} actions were not allowed (${refusals[0]})`] : []),
  ...(result.rssMb.max >= RSS_LIMIT_MB ? [`the server's RSS reached ${result.rssMb.max} MB (limit ${RSS_LIMIT_MB})`] : []),
  ...(seconds >= 300 && result.rssSlopeSecondHalfMbPerMin > SLOPE_LIMIT_MB_PER_MIN ? [`RSS still climbs ${result.rssSlopeSecondHalfMbPerMin} MB a minute in the second half`] : []),
];
for (const failure of failures) console.error(`soak: ${failure}`);
process.exit(failures.length === 0 ? 0 : 1);
