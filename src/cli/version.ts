/**
 * @module cli/version
 *
 * The version `legate --version` prints, in a module of its own so the
 * binary can answer a bare `--version` without loading the program.
 */

/** This package's version (kept equal to package.json's by test/cli/startup.test.ts). */
export const VERSION = '0.1.0';
