/** Runs the built `legate` CLI as a child process, as a user would. */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: () => unknown;
}

interface RunOptions {
  env?: Record<string, string>;
  input?: string;
}

// A clean environment: nothing like LEGATE_PASSPHRASE leaks in from the developer's shell.
const childEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra });

function toRun(code: number | null, stdout: string, stderr: string): Run {
  return { code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) as unknown };
}

/** Runs the CLI synchronously (blocks this process: not for talking to a server in this process). */
export function legate(args: string[], options: RunOptions = {}): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: childEnv(options.env),
    encoding: 'utf8',
    timeout: 60_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  return toRun(result.status, result.stdout, result.stderr);
}

/** Runs the CLI without blocking, so a server in this process can answer it. */
export function legateAsync(args: string[], options: RunOptions = {}): Promise<Run> {
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

/** A running `legate serve` and what it printed up to its "serving on" line. */
export interface Serving {
  child: ChildProcess;
  stdout: string;
  stderr: () => string;
}

/**
 * Starts `legate <args> serve <flags>` and waits for its "serving on" line;
 * an exit before it rejects (failing the test). `onSpawn` gets the child at
 * once, so a caller can stop it whatever happens.
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
