/**
 * @module cli/io
 *
 * Output and exit-code conventions shared by every command: `--json` prints
 * one JSON document on stdout; exit 0 = success or valid, 1 = verification
 * failed or denied, 2 = bad usage or input (any thrown error), 3 = could not
 * reach a peer (`ERR_PEER_UNREACHABLE`, `ERR_PEER_TIMEOUT`).
 */

import { readFileSync } from 'node:fs';
import type { NodeConfig } from '../config/load.js';
import { instanceOptions } from '../config/node-options.js';
import { InputError, LegateError } from '../errors/index.js';
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
  /** This command's resolved node settings (config/load). */
  settings: NodeConfig;
}

/** The options to open the node with, from the resolved settings (config/node-options). */
export function nodeOptions(options: GlobalOptions): NodeOptions {
  return { ...instanceOptions(options.settings), onWarning: (message) => note(`legate: warning: ${message}`) };
}

/** Where commands write: the process's streams unless {@link setOutput} injected others. */
let output: { out: NodeJS.WritableStream; err: NodeJS.WritableStream } = { out: process.stdout, err: process.stderr };

/** Sends what commands print to `streams` (the CLI's `main` sets it once per run). */
export function setOutput(streams: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): void {
  output = streams;
}

export function printJson(value: unknown): void {
  output.out.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function println(text = ''): void {
  output.out.write(`${text}\n`);
}

/** Human notes that must not pollute piped stdout. */
export function note(text: string): void {
  output.err.write(`${text}\n`);
}

const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * Reads a file argument, or stdin for `-`, bounded to 1 MiB.
 * @throws InputError `ERR_INPUT_TOO_LARGE`, or `ERR_INVALID_ARGUMENT` for an unreadable file.
 */
export function readInput(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path === '-' ? 0 : path);
  } catch (cause) {
    throw new InputError('ERR_INVALID_ARGUMENT', `cannot read ${path}`, { claim: 'file', cause });
  }
  if (bytes.length > MAX_INPUT_BYTES) {
    throw new InputError('ERR_INPUT_TOO_LARGE', `input is larger than ${MAX_INPUT_BYTES} bytes`, { claim: 'file' });
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
  else output.err.write(`legate: ${body.code}: ${body.message}\n`);
  return body.code === 'ERR_PEER_UNREACHABLE' || body.code === 'ERR_PEER_TIMEOUT' ? EXIT.unreachable : EXIT.usage;
}
