#!/usr/bin/env node
/**
 * @module cli/main
 *
 * The `legate` command. Thin: parse, call the library, print. Exit 0 =
 * success or valid, 1 = verification failed or denied, 2 = bad usage or input,
 * 3 = could not reach a peer.
 */

import { Command, CommanderError } from 'commander';
import { ignoreBrokenPipe } from './broken-pipe.js';
import { registerAgent } from './commands/agent.js';
import { registerApprover } from './commands/approver.js';
import { registerAudit } from './commands/audit.js';
import { registerAuthorize } from './commands/authorize.js';
import { registerCap } from './commands/cap.js';
import { registerDemo } from './commands/demo.js';
import { registerExchange } from './commands/exchange.js';
import { registerDid } from './commands/did.js';
import { registerInit } from './commands/init.js';
import { registerPresent } from './commands/present.js';
import { registerRegistry } from './commands/registry.js';
import { registerServe } from './commands/serve.js';
import { registerStatus } from './commands/status.js';
import { registerStore } from './commands/store.js';
import { registerVerify } from './commands/verify.js';
import { EXIT, reportError } from './io.js';

export function buildProgram(): Command {
  const program = new Command('legate')
    .description('Identities and scoped, revocable, attributable authority for AI agents')
    .version('0.1.0')
    .option('--data <dir>', 'data directory of this node', './.legate')
    .option('--json', 'machine-readable output', false)
    .option('--allow-http-loopback', 'allow requests to loopback addresses, over plain HTTP too (or LEGATE_ALLOW_HTTP_LOOPBACK=1)', false)
    .option('--timeout <ms>', 'deadline of each request to a peer, in ms (default 10000)')
    .exitOverride()
    .showHelpAfterError();
  registerInit(program);
  registerAgent(program);
  registerCap(program);
  registerVerify(program);
  registerPresent(program);
  registerAuthorize(program);
  registerStatus(program);
  registerRegistry(program);
  registerServe(program);
  registerExchange(program);
  registerApprover(program);
  registerDid(program);
  registerAudit(program);
  registerDemo(program);
  registerStore(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  ignoreBrokenPipe(process.stdout);
  ignoreBrokenPipe(process.stderr);
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
      process.exitCode = benign.includes(error.code) ? EXIT.ok : EXIT.usage;
      return;
    }
    process.exitCode = reportError(error, argv.includes('--json'));
  }
}

await main(process.argv);
