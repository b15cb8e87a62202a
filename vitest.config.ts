import { configDefaults, defineConfig } from 'vitest/config';

// Files that replace modules (vi.mock) need a module registry of their own; every other
// file shares its worker's registry, so the library is imported once per worker rather
// than once per file (import time was most of the suite's wall time). Module-level state
// is limited to constants and compile-once memos (docs/ARCHITECTURE.md, rule 6), so
// sharing the registry cannot make one file's result depend on another's.
const MOCKING = ['test/store/checkpointer-lifecycle.test.ts'];

export default defineConfig({
  test: {
    // Generous: the suite must pass on a busy two-core machine, where one test spawning
    // the CLI several times, or a beforeAll starting nodes, can take tens of seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default in a run is one worker fewer than the cores: a single worker on
    // two cores. The CLI tests run in process, so a second worker keeps the second core busy.
    maxWorkers: 2,
    // A blocked worker (JavaScript that never yields, a native call that never returns)
    // cannot time out: the stall reporter names its file, prints its stack (its inspector,
    // opened by SIGUSR1 on a free loopback port only then; gdb for native code) and kills it,
    // so the run ends red instead of never.
    execArgv: ['--inspect-port=0'],
    reporters: ['default', './test/helpers/stall-reporter.ts'],
    // One throwaway PostgreSQL cluster per run when the binaries exist (or the server in
    // LEGATE_TEST_DATABASE_URL); the PostgreSQL suites skip, saying why, without one, and
    // fail under CI. See test/helpers/postgres.ts.
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'isolated', include: MOCKING, isolate: true } },
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...MOCKING], isolate: false } },
    ],
  },
});
