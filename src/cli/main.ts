#!/usr/bin/env node
/**
 * @module cli/main
 *
 * The `legate` binary: runs {@link main} on the process's arguments. The
 * program itself lives in `cli/program`, which loads each command's module
 * only when that command runs. Exit 0 = success or valid, 1 = verification
 * failed or denied, 2 = bad usage or input, 3 = could not reach a peer.
 */

import { readFileSync } from 'node:fs';
import { ignoreBrokenPipe } from './broken-pipe.js';
import { VERSION } from './version.js';

// The one place the process's streams, environment and stdin enter the CLI.
ignoreBrokenPipe(process.stdout);
ignoreBrokenPipe(process.stderr);
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered before the program (and commander) load: scripts that probe the version pay for nothing else.
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('./program.js');
  process.exitCode = await main(process.argv, {
    out: process.stdout,
    err: process.stderr,
    env: process.env,
    readStdin: () => readFileSync(0),
  });
}
