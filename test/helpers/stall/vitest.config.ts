// The stall reporter's own test runs (test/helpers/stall-reporter.test.ts): short timeouts, one worker, the files STALL_FILES names, in order.
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: (process.env.STALL_FILES ?? 'blocked,after').split(',').map((name) => `${name}.fixture.ts`),
    testTimeout: 500,
    hookTimeout: 500,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { shuffle: false },
    execArgv: ['--inspect-port=0'],
    reporters: ['default', [join(import.meta.dirname, '../stall-reporter.ts'), { graceMs: 3_000, pollMs: 250, stackWaitMs: 3_000 }]],
  },
});
