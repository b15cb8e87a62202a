// The stall reporter (test/helpers/stall-reporter.ts): a worker that never yields ends the run, red, named, with its stack.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stalledFiles } from './stall-reporter.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const hasGdb = () => spawnSync('gdb', ['--version']).status === 0;

/** Runs vitest on the stall fixtures (test/helpers/stall) in a process of its own, with none of this run's vitest variables. */
function runFixtures(files: string, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'TEST'));
  const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/helpers/stall/vitest.config.ts'], { cwd: ROOT, env: { ...env, ...extraEnv, NO_COLOR: '1', STALL_FILES: files }, timeout: 90_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the stall reporter', () => {
  it('counts a file as stalled only once it has been silent for longer than the limit', () => {
    const running = new Map([
      ['a.test.ts', { lastEventAt: 1_000, tests: new Map([['a > loops', { since: 500, timeoutMs: 2_000 }]]) }],
      ['b.test.ts', { lastEventAt: 5_000, tests: new Map() }],
      ['c.test.ts', { lastEventAt: 1_000, tests: new Map([['c > slow on purpose', { since: 1_000, timeoutMs: 10_000 }]]) }],
    ]);
    expect(stalledFiles(running, 4_000, 3_000, 500)).toEqual([]);
    expect(stalledFiles(running, 4_001, 3_000, 500)).toEqual([{ file: 'a.test.ts', silentMs: 3_001, tests: [['a > loops', 3_501]] }]);
    expect(stalledFiles(running, 9_000, 3_000, 500).map((s) => s.file)).toEqual(['a.test.ts', 'b.test.ts']);
    // A test's own timeout, longer than the limit, and the grace, before its file counts.
    expect(stalledFiles(running, 11_500, 3_000, 500).map((s) => s.file)).toEqual(['a.test.ts', 'b.test.ts']);
    expect(stalledFiles(running, 11_501, 3_000, 500).map((s) => s.file)).toEqual(['a.test.ts', 'b.test.ts', 'c.test.ts']);
  });

  it('ends a run whose worker never yields: red, naming the file, with the stack of the loop, and the next file still runs', async () => {
    const { code, stdout, stderr } = await runFixtures('blocked,after');
    expect(code).toBe(1);
    expect(stderr).toContain('STALLED');
    expect(stderr).toMatch(/test\/helpers\/stall\/blocked\.fixture\.ts \(silent \d+ s\)/);
    expect(stderr).toMatch(/at spinForEver \(file:\/\/.*test\/helpers\/stall\/blocked\.fixture\.ts:6:\d+\)/);
    expect(stderr).toMatch(/Killing the workers \(\d+\)/);
    expect(stderr).toContain('Worker exited unexpectedly');
    expect(stdout).toMatch(/✓ after\.fixture\.ts/);
    expect(stdout).toMatch(/Test Files\s+1 passed \(2\)/);
  });

  it('ends a run whose worker is blocked in native code: red, named, with gdb\'s native stack where gdb is installed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'legate-stall-'));
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    try {
      const { code, stderr } = await runFixtures('native', { STALL_FIFO: fifo });
      expect(code).toBe(1);
      expect(stderr).toMatch(/test\/helpers\/stall\/native\.fixture\.ts \(silent \d+ s\)/);
      expect(stderr).toMatch(/its inspector did not open|no answer/);
      if (hasGdb()) expect(stderr).toMatch(/native stack \(main thread\):\n\s+#0 .*(open|__libc_open64|openat)/);
      else expect(stderr).toContain('(no gdb here for a native stack)');
      expect(stderr).toMatch(/Killing the workers \(\d+\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
