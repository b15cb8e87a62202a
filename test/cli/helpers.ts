/**
 * Runs `legate` in this process through `main` (most tests), or the built
 * binary as a child process, as a user would (the smoke tests: start-up,
 * exit codes through the process, broken pipes, `serve` start and stop).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/program.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: () => unknown;
}

interface RunOptions {
  /** The whole environment of the run: nothing like LEGATE_PASSPHRASE leaks in from the developer's shell. */
  env?: Record<string, string>;
  /** What `-` reads; empty when absent. */
  input?: string;
}

function toRun(code: number | null, stdout: string, stderr: string): Run {
  return { code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) as unknown };
}

/** A stream that keeps what is written to it. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs `legate <args>` in this process: its own streams, environment and stdin; the exit code `main` returns. */
export async function legate(args: string[], options: RunOptions = {}): Promise<Run> {
  const out = sink();
  const err = sink();
  const input = options.input ?? '';
  const code = await main(['node', 'legate', ...args], { out: out.stream, err: err.stream, env: options.env ?? {}, readStdin: () => input });
  return toRun(code, out.text(), err.text());
}

/** A `legate serve` running in this process, and what it printed up to its "serving on" line. */
export interface ServingInProcess {
  stdout: string;
  stderr: () => string;
  /** Stops the server (its abort signal) and resolves to the command's exit code. */
  stop: () => Promise<number>;
}

/**
 * Starts `legate <args> serve <flags>` in this process and waits for its
 * "serving on" line; a return before it rejects (failing the test).
 */
export function serveInProcess(args: string[], flags: string[] = [], env: Record<string, string> = {}): Promise<ServingInProcess> {
  const controller = new AbortController();
  const err = sink();
  let stdout = '';
  return new Promise((resolve, reject) => {
    const out = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        stdout += chunk.toString();
        if (stdout.includes('serving on')) resolve({ stdout, stderr: err.text, stop });
        done();
      },
    });
    const exited = main(['node', 'legate', ...args, 'serve', ...flags], { out, err: err.stream, env, signal: controller.signal });
    const stop = () => {
      controller.abort();
      return exited;
    };
    exited.then((code) => reject(new Error(`legate serve returned ${code}: ${err.text()}`)), reject);
  });
}

// A clean environment for a child: PATH and HOME only, plus what the test gives.
const childEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra });

/** Runs the built CLI as a child process (without blocking, so a server in this process can answer it). */
export function spawnLegate(args: string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: childEnv(options.env), timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve(toRun(code, stdout, stderr)));
    child.stdin.end(options.input ?? '');
  });
}

/** A running `legate serve` child and what it printed up to its "serving on" line. */
export interface Serving {
  child: ChildProcess;
  stdout: string;
  stderr: () => string;
}

/**
 * Starts `legate <args> serve <flags>` as a child and waits for its "serving
 * on" line; an exit before it rejects (failing the test). `onSpawn` gets the
 * child at once, so a caller can stop it whatever happens.
 */
export function startServe(args: string[], flags: string[] = [], env: Record<string, string> = {}, onSpawn?: (child: ChildProcess) => void): Promise<Serving> {
  const child = spawn(process.execPath, [CLI, ...args, 'serve', ...flags], { env: { PATH: process.env.PATH ?? '', ...env } });
  onSpawn?.(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('serving on')) resolve({ child, stdout, stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`legate serve exited with ${code}: ${stderr}`)));
  });
}

/** Stops a child process (SIGTERM unless told) and resolves to its exit code (null when killed by the signal). */
export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill(signal);
  return exited;
}
