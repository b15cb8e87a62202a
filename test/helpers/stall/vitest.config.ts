// The stall reporter's own test run (test/helpers/stall-reporter.test.ts): short timeouts, one worker, the blocked file first.
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['blocked.fixture.ts', 'after.fixture.ts'],
    testTimeout: 500,
    hookTimeout: 500,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { shuffle: false },
    execArgv: ['--inspect-port=0'],
    reporters: ['default', [join(import.meta.dirname, '../stall-reporter.ts'), { graceMs: 3_000, pollMs: 250 }]],
  },
});
