/**
 * @module cli/program
 *
 * The `legate` program, apart from the binary that runs it. Importing this
 * module loads only commander: each command's module (and with it the node,
 * the store's native SQLite addon, hono, Ajv…) is imported only when the
 * command line names that command, so `legate --version` starts about as
 * fast as bare `node`. Help, errors and unknown commands load every command,
 * so their text is the same as with an eager program.
 */

import { Command, CommanderError } from 'commander';
import { flagOf } from '../config/settings.js';
import { EXIT, reportError, runWithIo, type CliIo } from './io.js';
import { VERSION } from './version.js';

export type { CliIo } from './io.js';

type Register = (program: Command) => void;

/**
 * Every command module, in help order: the top-level command names it
 * declares, and its loader. A test checks the names against the modules.
 */
const COMMANDS: readonly (readonly [names: string, load: () => Promise<Register>])[] = [
  ['init', async () => (await import('./commands/init.js')).registerInit],
  ['agent', async () => (await import('./commands/agent.js')).registerAgent],
  ['cap', async () => (await import('./commands/cap.js')).registerCap],
  ['verify', async () => (await import('./commands/verify.js')).registerVerify],
  ['present', async () => (await import('./commands/present.js')).registerPresent],
  ['authorize', async () => (await import('./commands/authorize.js')).registerAuthorize],
  ['status', async () => (await import('./commands/status.js')).registerStatus],
  ['registry', async () => (await import('./commands/registry.js')).registerRegistry],
  ['serve', async () => (await import('./commands/serve.js')).registerServe],
  ['handshake action approve', async () => (await import('./commands/exchange.js')).registerExchange],
  ['token', async () => (await import('./commands/token.js')).registerToken],
  ['approver', async () => (await import('./commands/approver.js')).registerApprover],
  ['did', async () => (await import('./commands/did.js')).registerDid],
  ['audit', async () => (await import('./commands/audit.js')).registerAudit],
  ['demo', async () => (await import('./commands/demo.js')).registerDemo],
  ['store', async () => (await import('./commands/store.js')).registerStore],
  ['config', async () => (await import('./commands/config.js')).registerConfig],
  ['key', async () => (await import('./commands/key.js')).registerKey],
  ['alerts', async () => (await import('./commands/alerts.js')).registerAlerts],
  ['operator', async () => (await import('./commands/operator.js')).registerOperator],
  ['approvals', async () => (await import('./commands/approvals.js')).registerApprovals],
  ['changes', async () => (await import('./commands/changes.js')).registerChanges],
];

/** Global options that take a value, so their value is not taken for the command name. */
const VALUED_GLOBALS = new Set(['--data', '--timeout', '--config', '--store']);

/** The root command with its global options and no subcommands; subcommands inherit its output. */
function rootProgram(streams: CliStreams | undefined): Command {
  const program = new Command('legate');
  if (streams !== undefined) program.configureOutput({ writeOut: (text) => streams.out.write(text), writeErr: (text) => streams.err.write(text) });
  return program
    .description('Identities and scoped, revocable, attributable authority for AI agents')
    .version(VERSION)
    // Settings' flags come from the settings table (config/settings), without commander defaults: see cli/settings.
    .option(...flagOf('data'))
    .option(...flagOf('config'))
    .option(...flagOf('database'))
    .option('--json', 'machine-readable output', false)
    .option(...flagOf('allowHttpLoopback'))
    .option(...flagOf('timeout'))
    .exitOverride()
    .showHelpAfterError();
}

/** {@link needed}'s answers besides a command name. */
const ALL = '*';
const NONE = '';

/**
 * What `args` (the user's arguments, without node and script) needs loaded:
 * the one command it names, {@link NONE} for a bare `--version`, or
 * {@link ALL} (help, errors, an unknown name) so the text lists every command.
 */
function needed(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return ALL;
    if (VALUED_GLOBALS.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return COMMANDS.some(([names]) => names.split(' ').includes(arg)) ? arg : ALL;
  }
  return args.includes('-V') || args.includes('--version') ? NONE : ALL;
}

/**
 * Builds the `legate` program. Without `argv` it declares every command;
 * with `argv` (as `process.argv`) only the command it will run, so a call
 * loads just that command's module. `streams` redirect commander's own
 * help and error text.
 */
export async function buildProgram(argv?: readonly string[], streams?: CliStreams): Promise<Command> {
  const program = rootProgram(streams);
  const want = argv === undefined ? ALL : needed(argv.slice(2));
  for (const [names, load] of COMMANDS) if (want === ALL || names.split(' ').includes(want)) (await load())(program);
  return program;
}

/** Where the CLI writes (commander's help and errors too). */
export interface CliStreams {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/**
 * Runs the `legate` command line `argv` (as `process.argv`) with `io` (its
 * streams, environment, stdin and abort signal) and returns the exit code:
 * 0 = success or valid, 1 = verification failed or denied, 2 = bad usage or
 * input, 3 = could not reach a peer. No `process.exit`, process streams or
 * `process.env` (the binary passes those), so it runs in process as often as
 * a caller likes; only `serve` given no `io.signal` listens for SIGINT/SIGTERM.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  return runWithIo(io, async () => {
    const program = await buildProgram(argv, io);
    try {
      await program.parseAsync(argv);
      return undefined;
    } catch (error) {
      if (error instanceof CommanderError) {
        const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
        return benign.includes(error.code) ? EXIT.ok : EXIT.usage;
      }
      return reportError(error, argv.includes('--json'));
    }
  });
}
