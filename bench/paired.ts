/**
 * @module bench/paired
 *
 * A paired A/B of a few OAuth cases for a machine too busy for the
 * interleaved rounds to settle: blocks of calls of each case in turn, every
 * call timed in wall time and in CPU time (`process.cpuUsage`, which counts
 * every thread of the process, WebCrypto's included). CPU time is less
 * disturbed by other work on the machine than wall time, though not immune
 * to it (shared caches, hyperthreads). The first case is the reference.
 *
 * Run: npm run build && npm run build:bench &&
 *      node dist-bench/paired.js floor-rs-check,rs-check,rs-check-jose [calls per block = 50] [blocks = 30]
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupOAuth } from './oauth.js';
import { ratio } from './case.js';

const [list = 'floor-rs-check,rs-check,rs-check-jose', block = '50', blocks = '30'] = process.argv.slice(2);
const root = mkdtempSync(join(tmpdir(), 'legate-bench-paired-'));
const oauth = await setupOAuth(join(root, 'oauth'), { warmup: 2000 });
const cases = list.split(',').map((name) => {
  const found = oauth.cases.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no case ${name}; cases: ${oauth.cases.map((c) => c.name).join(', ')}`);
  return found;
});
const perBlock = Number.parseInt(block, 10);
const totals = new Map(cases.map((c) => [c.name, { wallMs: 0, cpuMs: 0, calls: 0 }]));

async function run(c: (typeof cases)[number], calls: number, record: boolean): Promise<void> {
  const total = totals.get(c.name)!;
  for (let i = 0; i < calls; i++) {
    await c.beforeEach?.();
    const cpu = process.cpuUsage();
    const start = performance.now();
    await c.fn();
    const wall = performance.now() - start;
    const used = process.cpuUsage(cpu);
    if (!record) continue;
    total.wallMs += wall;
    total.cpuMs += (used.user + used.system) / 1000;
    total.calls += c.perCall;
  }
}

for (const c of cases) await run(c, perBlock, false); // warm-up
for (let b = 0; b < Number.parseInt(blocks, 10); b++) for (const c of cases) await run(c, perBlock, true);

const rows = cases.map((c) => {
  const t = totals.get(c.name)!;
  return { name: c.name, wallOpsPerSec: Math.round((t.calls / t.wallMs) * 1000), cpuOpsPerSec: Math.round((t.calls / t.cpuMs) * 1000) };
});
const reference = rows[0]!;
console.table(rows.map((r) => ({ ...r, wallVsFirst: ratio(r.wallOpsPerSec, reference.wallOpsPerSec), cpuVsFirst: ratio(r.cpuOpsPerSec, reference.cpuOpsPerSec) })));
await oauth.close();
rmSync(root, { recursive: true, force: true });
