/**
 * A vitest reporter that turns a blocked test worker into a failure naming
 * it, within minutes, instead of a run that never ends.
 *
 * A test's timeout is a timer in its worker: it cannot fire while the
 * worker's JavaScript never yields (a loop, a regular expression that
 * backtracks without end, a synchronous call that does not return), and the
 * run then waits for that worker for ever. This reporter, in vitest's main
 * process, watches every test file that is running: when one has reported
 * nothing (no test, hook or suite starting or ending) for longer than the
 * longest timeout plus a grace, its worker is taken as blocked. It prints the
 * file and the tests still running, prints each worker's JavaScript stack
 * (through its inspector, opened only then, on loopback: the workers run with
 * `--inspect-port=0`, see vitest.config.ts; for one blocked in native code,
 * its native stack through gdb where installed), then kills the workers: vitest
 * fails their files ("worker exited unexpectedly") and ends the run, red,
 * with its summary. Workers are found through /proc (Linux, where CI runs);
 * elsewhere the stall is printed and the process exits with code 1.
 */

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetch, WebSocket } from 'undici';
import type { Reporter, ReportedHookContext, TestCase, TestModule, TestSuite, Vitest } from 'vitest/node';

export interface StallOptions {
  /** How long to wait for each worker's stack, ms. */
  stackWaitMs?: number;
  /** Silence past the longest timeout before a file counts as stalled, ms. */
  graceMs?: number;
  /** How often the running files are looked at, ms. */
  pollMs?: number;
}

/** A running file: the last time its worker reported anything about it, and its tests running (name → start and timeout). */
interface Running {
  lastEventAt: number;
  tests: Map<string, { since: number; timeoutMs: number }>;
}

/**
 * The files silent at `now` for longer than `limitMs`, or than a running
 * test's own timeout and `graceMs` where that is longer; each with its
 * running tests and how long each has run.
 */
export function stalledFiles(running: ReadonlyMap<string, Running>, now: number, limitMs: number, graceMs: number): { file: string; silentMs: number; tests: [string, number][] }[] {
  const stalled = [];
  for (const [file, state] of running) {
    const silentMs = now - state.lastEventAt;
    const limit = Math.max(limitMs, ...[...state.tests.values()].map((test) => test.timeoutMs + graceMs));
    if (silentMs > limit) stalled.push({ file, silentMs, tests: [...state.tests].map(([name, test]): [string, number] => [name, now - test.since]) });
  }
  return stalled;
}

/** This process's children that are vitest workers (Linux /proc), or undefined where there is no /proc. */
function workerPids(): number[] | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so the fields start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('vitest')) pids.push(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  return pids;
}

/** The port an inspector listens on in process `pid` (Linux /proc: its listening sockets), once one does. */
function inspectorPort(pid: number): number | undefined {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith('socket:[')) inodes.add(link.slice('socket:['.length, -1));
    } catch {
      // Closed while being read.
    }
  }
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address (hex ip:port), state 0A = LISTEN, inode in the tenth field.
      if (fields.length > 9 && fields[3] === '0A' && inodes.has(fields[9]!)) return parseInt(fields[1]!.split(':').pop()!, 16);
    }
  }
  return undefined;
}

/**
 * The JavaScript stack of worker `pid`: SIGUSR1 opens its inspector (on
 * 127.0.0.1, a free port: `--inspect-port=0`), and `Debugger.pause`, served
 * at the worker's next interrupt check even in a loop that never yields,
 * reports the frames. A worker blocked in native code never answers.
 */
async function stackOf(pid: number, waitMs: number): Promise<string> {
  const deadline = Date.now() + waitMs;
  process.kill(pid, 'SIGUSR1');
  let port: number | undefined;
  while ((port = inspectorPort(pid)) === undefined && Date.now() < deadline) await sleep(100);
  if (port === undefined) return 'its inspector did not open';
  const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(waitMs) })).json()) as { webSocketDebuggerUrl: string }[];
  const socket = new WebSocket(target!.webSocketDebuggerUrl);
  const urls = new Map<string, string>();
  try {
    return await new Promise<string>((resolve) => {
      setTimeout(() => resolve('no answer (blocked in native code?)'), Math.max(0, deadline - Date.now())).unref();
      socket.addEventListener('open', () => {
        socket.send(JSON.stringify({ id: 1, method: 'Debugger.enable' }));
        socket.send(JSON.stringify({ id: 2, method: 'Debugger.pause' }));
      });
      socket.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as { method?: string; params?: { scriptId?: string; url?: string; callFrames?: Frame[] } };
        if (message.method === 'Debugger.scriptParsed') urls.set(message.params!.scriptId!, message.params!.url!);
        if (message.method === 'Debugger.paused') {
          resolve(message.params!.callFrames!.slice(0, 40).map((f) => `    at ${f.functionName || '<anonymous>'} (${f.url || urls.get(f.location.scriptId) || '?'}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1})`).join('\n'));
        }
      });
      socket.addEventListener('error', () => resolve('its inspector refused the connection'));
    });
  } finally {
    socket.close();
  }
}

/**
 * The native stack of worker `pid`'s main thread, through gdb where it is
 * installed (and may attach: root, or a ptrace scope that allows it): what a
 * worker blocked in native code (a lock, a system call) is waiting in.
 */
function nativeStackOf(pid: number, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    execFile('gdb', ['-p', String(pid), '-batch', '-ex', 'thread 1', '-ex', 'bt 30'], { timeout: waitMs }, (error, stdout) => {
      // `thread 1` prints the frame it selects, then `bt` prints it again as #0.
      const frames = [...new Set(stdout.split('\n').filter((line) => line.startsWith('#')))];
      if (frames.length > 0) resolve(frames.map((line) => `    ${line}`).join('\n'));
      else resolve(error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT' ? '    (no gdb here for a native stack)' : '    (gdb could not read a native stack)');
    });
  });
}

interface Frame {
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

export default class StallReporter implements Reporter {
  readonly #options: Required<StallOptions>;
  readonly #running = new Map<string, Running>();
  #limitMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #handling = false;

  constructor(options: StallOptions = {}) {
    this.#options = { graceMs: 60_000, pollMs: 5_000, stackWaitMs: 10_000, ...options };
  }

  onInit(vitest: Vitest): void {
    const { testTimeout, hookTimeout } = vitest.config;
    this.#limitMs = Math.max(testTimeout, hookTimeout) + this.#options.graceMs;
    this.#timer = setInterval(() => void this.#check(), this.#options.pollMs);
    this.#timer.unref();
  }

  onTestModuleStart(module: TestModule): void {
    this.#running.set(module.moduleId, { lastEventAt: Date.now(), tests: new Map() });
  }

  onTestModuleEnd(module: TestModule): void {
    this.#running.delete(module.moduleId);
  }

  onTestSuiteReady(suite: TestSuite): void {
    this.#touch(suite.module);
  }

  onTestSuiteResult(suite: TestSuite): void {
    this.#touch(suite.module);
  }

  onHookStart(hook: ReportedHookContext): void {
    this.#touch(hook.entity.type === 'module' ? hook.entity : hook.entity.module);
  }

  onHookEnd(hook: ReportedHookContext): void {
    this.#touch(hook.entity.type === 'module' ? hook.entity : hook.entity.module);
  }

  onTestCaseReady(test: TestCase): void {
    this.#touch(test.module)?.tests.set(test.fullName, { since: Date.now(), timeoutMs: test.options.timeout ?? 0 });
  }

  onTestCaseResult(test: TestCase): void {
    this.#touch(test.module)?.tests.delete(test.fullName);
  }

  onTestRunEnd(): void {
    clearInterval(this.#timer);
    this.#running.clear();
  }

  #touch(module: TestModule): Running | undefined {
    const state = this.#running.get(module.moduleId);
    if (state !== undefined) state.lastEventAt = Date.now();
    return state;
  }

  async #check(): Promise<void> {
    if (this.#handling) return;
    const stalled = stalledFiles(this.#running, Date.now(), this.#limitMs, this.#options.graceMs);
    if (stalled.length === 0) return;
    this.#handling = true;
    const lines = [`\nSTALLED: a test file has reported nothing for longer than any of its timeouts plus ${Math.round(this.#options.graceMs / 1000)} s: its worker is blocked (JavaScript that never yields, or a native call that never returns), so no timeout can fire.`];
    for (const { file, silentMs, tests } of stalled) {
      lines.push(`  ${file} (silent ${Math.round(silentMs / 1000)} s)`);
      for (const [name, ms] of tests) lines.push(`    running for ${Math.round(ms / 1000)} s: ${name}`);
      if (tests.length === 0) lines.push('    (no test reported as running: the worker blocked before it could say which)');
    }
    const pids = workerPids();
    if (pids === undefined) {
      console.error(`${lines.join('\n')}\nNo /proc here to find the workers by: exiting.`);
      process.exit(1);
    }
    const stacks = await Promise.all(pids.map((pid) => stackOf(pid, this.#options.stackWaitMs).catch((error: unknown) => `no stack: ${String(error)}`)));
    for (const [i, pid] of pids.entries()) {
      lines.push(`Worker ${pid}'s JavaScript stack:`, stacks[i]!);
      // No JavaScript frames: the worker is blocked in native code, where only a native stack says where.
      if (!stacks[i]!.includes('    at ')) lines.push(`Worker ${pid}'s native stack (main thread):`, await nativeStackOf(pid, this.#options.stackWaitMs * 3));
    }
    lines.push(`Killing the workers (${pids.join(', ')}): vitest fails their files and ends the run.`);
    console.error(lines.join('\n'));
    for (const pid of pids) signal(pid, 'SIGKILL');
    this.#running.clear();
    this.#handling = false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}
