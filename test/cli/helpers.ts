/** Runs the built `legate` CLI as a child process, as a user would. */

import { spawn, spawnSync } from 'node:child_process';
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
