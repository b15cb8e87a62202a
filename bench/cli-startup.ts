/**
 * The `cli-startup` case: how long the `legate` binary takes to start and
 * answer, against bare `node` measured in the same run. Each round spawns
 * `node -e 0`, `legate --version` and `legate agent list` once, in turn, so
 * machine drift hits all three alike; the report gives each one's median and
 * its difference from bare node. Targets (issue #14, reported, not asserted):
 * `--version` within 30 ms of bare node, `agent list` within 200 ms.
 */

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** One command's median wall time and its excess over bare node, in ms. */
export interface StartupRow {
  name: string;
  medianMs: number;
  vsNodeMs: number;
  targetMs?: number;
}

/** Wall time of one spawned `node` with `args`, in ms; throws if it fails. */
function timeSpawn(args: string[]): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`cli-startup: node ${args.join(' ')} exited ${String(result.status)}: ${result.stderr}`);
  return ms;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Runs `rounds` interleaved rounds against the initialized node in `dataDir`. */
export function measureCliStartup(dataDir: string, rounds: number): StartupRow[] {
  const commands: [name: string, args: string[], targetMs?: number][] = [
    ['node -e 0', ['-e', '0']],
    ['legate --version', [CLI, '--version'], 30],
    ['legate agent list', [CLI, '--data', dataDir, 'agent', 'list'], 200],
  ];
  const times = commands.map((): number[] => []);
  timeSpawn(commands[2]![1]); // warm-up: the file system cache
  for (let round = 0; round < rounds; round++) commands.forEach(([, args], i) => times[i]!.push(timeSpawn(args)));
  const bare = median(times[0]!);
  const round2 = (value: number) => Math.round(value * 10) / 10;
  return commands.map(([name, , targetMs], i) => ({
    name: `cli-startup: ${name}`,
    medianMs: round2(median(times[i]!)),
    vsNodeMs: round2(median(times[i]!) - bare),
    ...(targetMs === undefined ? {} : { targetMs }),
  }));
}
