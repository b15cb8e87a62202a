/**
 * @module cli/io
 *
 * Output and exit-code conventions shared by every command: `--json` prints
 * one JSON document on stdout; exit 0 = success or valid, 1 = verification
 * failed or denied, 2 = bad usage or input (any thrown error), 3 = could not
 * reach a peer (`ERR_PEER_UNREACHABLE`, `ERR_PEER_TIMEOUT`).
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import type { NodeConfig } from '../config/load.js';
import { instanceOptions } from '../config/node-options.js';
import { LegateError, legateError } from '../errors/index.js';
import type { NodeOptions } from '../node/context.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/**
 * Options every command accepts (declared on the root program). `data` and
 * `allowHttpLoopback` are the resolved settings (flag, environment, file or
 * default), set with `settings` before any handler runs (cli/command).
 */
export interface GlobalOptions {
  data: string;
  json: boolean;
  allowHttpLoopback: boolean;
  /** The PostgreSQL URL of the node's store (`LEGATE_DATABASE_URL`, `--store`); undefined: the data directory's SQLite file. */
  database: string | undefined;
  /** This command's resolved node settings (config/load). */
  settings: NodeConfig;
}

/** The options to open the node with, from the resolved settings (config/node-options). */
export function nodeOptions(options: GlobalOptions): NodeOptions {
  return { ...instanceOptions(options.settings), onWarning: (message) => note(`legate: warning: ${message}`) };
}

/**
 * What one run of the CLI reads and writes, given to `main` by its caller:
 * the binary passes the process's streams and environment, a test its own.
 */
export interface CliIo {
  /** Standard output: results (`--json` documents, JWTs, listings). */
  out: NodeJS.WritableStream;
  /** Standard error: notes, warnings and errors in human mode. */
  err: NodeJS.WritableStream;
  /** The environment (`LEGATE_PASSPHRASE`, `LEGATE_ALLOW_HTTP_LOOPBACK`); none when absent. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** What a `-` file argument reads; empty input when absent. */
  readStdin?: (() => string | Uint8Array) | undefined;
  /** Stops a command that runs until stopped (`serve`); without it, SIGINT and SIGTERM do. */
  signal?: AbortSignal | undefined;
}

/** One run's I/O and the exit code its command chose. */
interface CliRun {
  io: CliIo & { env: Readonly<Record<string, string | undefined>> };
  exitCode: number;
}

// Per run rather than module state, so runs in one process (tests, an embedding host) never share streams or env.
const runs = new AsyncLocalStorage<CliRun>();

function current(): CliRun {
  const run = runs.getStore();
  // Commands get their streams and environment only from `main`; a program parsed elsewhere has none.
  if (run === undefined) throw new Error('legate commands run through main() in cli/program');
  return run;
}

/** Runs `fn` (one parse of the program) with `io`, and returns the exit code its command set (0 unless set). */
export async function runWithIo(io: CliIo, fn: () => Promise<number | undefined>): Promise<number> {
  const run: CliRun = { io: { ...io, env: io.env ?? {} }, exitCode: EXIT.ok };
  return runs.run(run, async () => (await fn()) ?? run.exitCode);
}

/** The running command's environment (what `main` was given; the binary gives `process.env`). */
export function runEnv(): Readonly<Record<string, string | undefined>> {
  return current().io.env;
}

/** Records the exit code of the running command (`cli/command`'s `action`). */
export function setExitCode(code: number): void {
  current().exitCode = code;
}

/**
 * Calls `stop` once when the run is to end: when the caller's abort signal
 * fires (in process), else on SIGINT or SIGTERM (the binary). `stop` runs
 * in this run's context, so it may print.
 */
export function onStop(stop: () => void): void {
  const { signal } = current().io;
  const bound = AsyncLocalStorage.bind(stop);
  if (signal === undefined) {
    const once = () => {
      process.off('SIGINT', once);
      process.off('SIGTERM', once);
      bound();
    };
    process.once('SIGINT', once);
    process.once('SIGTERM', once);
  } else if (signal.aborted) bound();
  else signal.addEventListener('abort', bound, { once: true });
}

export function printJson(value: unknown): void {
  current().io.out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes `text` to stdout as it is (streamed output such as `audit export`'s JSON Lines). */
export function print(text: string): void {
  current().io.out.write(text);
}

export function println(text = ''): void {
  current().io.out.write(`${text}\n`);
}

/** Standard error as a stream, for what redraws in place (a progress bar); `tty` when it is a terminal. */
export function stderrStream(): { stream: NodeJS.WritableStream; tty: boolean } {
  const { err } = current().io;
  return { stream: err, tty: (err as { isTTY?: boolean }).isTTY === true };
}

/** Human notes that must not pollute piped stdout. */
export function note(text: string): void {
  current().io.err.write(`${text}\n`);
}

const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * Reads a file argument, or stdin for `-`, bounded to `maxBytes` (1 MiB unless a command allows more).
 * @throws InputError `ERR_INPUT_TOO_LARGE`, or `ERR_INVALID_ARGUMENT` for an unreadable file.
 */
export function readInput(path: string, maxBytes = MAX_INPUT_BYTES): string {
  let bytes: Buffer;
  try {
    const stdin = current().io.readStdin;
    bytes = path !== '-' ? readFileSync(path) : stdin === undefined ? Buffer.alloc(0) : Buffer.from(stdin());
  } catch (cause) {
    throw legateError('ERR_INVALID_ARGUMENT', `cannot read ${path}`, { claim: 'file', cause });
  }
  if (bytes.length > maxBytes) {
    throw legateError('ERR_INPUT_TOO_LARGE', `input is larger than ${maxBytes} bytes`, { claim: 'file' });
  }
  return bytes.toString('utf8');
}

/** Prints a thrown error (never its stack or cause) and returns the exit code. */
export function reportError(error: unknown, json: boolean): number {
  const body =
    error instanceof LegateError
      ? error.toJSON()
      : error instanceof TypeError || error instanceof RangeError
        ? { code: 'ERR_INVALID_ARGUMENT', message: error.message }
        : { code: 'ERR_INTERNAL', message: error instanceof Error ? error.message : String(error) };
  if (json) printJson({ error: body });
  else current().io.err.write(`legate: ${body.code}: ${body.message}\n`);
  return body.code === 'ERR_PEER_UNREACHABLE' || body.code === 'ERR_PEER_TIMEOUT' ? EXIT.unreachable : EXIT.usage;
}
