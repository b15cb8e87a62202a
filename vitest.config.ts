import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: the suite must pass on a busy two-core machine, where one test spawning
    // the CLI several times, or a beforeAll starting nodes, can take tens of seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default in a run is one worker fewer than the cores: a single worker on
    // two cores. The CLI tests now run in process rather than in spawned children, so
    // the second core stays idle unless a second worker takes a file. Isolation stays
    // on: a few modules still keep state at module level (issue #14, item 6).
    maxWorkers: 2,
  },
});
