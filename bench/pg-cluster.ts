/**
 * @module bench/pg-cluster
 *
 * A throwaway PostgreSQL cluster on this machine, for the tests (the vitest
 * globalSetup in test/helpers/postgres-global-setup.ts) and for benchmarks
 * that need a real server (bench/pg-driver.ts). It lives in bench/ because
 * bench/tsconfig.json compiles only this folder; the tests import it from here.
 *
 * The cluster: a data directory in a fresh folder under `os.tmpdir()`,
 * listening on 127.0.0.1 only, on a free port, with its unix socket in that
 * folder. TCP logins need the generated password (scram-sha-256); the socket,
 * in a folder only its owner can enter, trusts. Durability is off (`fsync`,
 * `synchronous_commit`, `full_page_writes`): the cluster holds nothing worth
 * keeping, and a test should not wait on the disk.
 *
 * `initdb` and `postgres` refuse to run as root; as root, every PostgreSQL
 * binary runs as the `postgres` user (`runuser -u postgres --`), which owns
 * the folder. A run that died before its teardown leaves its folder behind
 * with the dead run's pid in `owner.pid`; the next start stops and removes
 * such leftovers. A process that exits without stopping its cluster (vitest
 * on Ctrl-C) stops it on the way out.
 */

import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the PostgreSQL server binaries are, and their major version. */
export interface PgBinaries {
  bindir: string;
  version: number;
}

/** A running throwaway cluster. */
export interface PgCluster {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/<database>`. */
  url: string;
  port: number;
  /** The temporary folder (data directory, socket, log). */
  dir: string;
  /** Stops the server (`pg_ctl stop -m fast`) and removes the folder; safe to call twice. */
  stop(): Promise<void>;
}

const PREFIX = 'legate-pg-';
/** How long the server may take to start or stop (a busy machine). */
const WAIT_SECONDS = 60;

/**
 * The PostgreSQL binaries: the highest `/usr/lib/postgresql/<n>/bin` holding
 * `initdb` (Debian, Ubuntu), else `pg_config --bindir` if `initdb` is there.
 */
export async function findPgBinaries(): Promise<PgBinaries | undefined> {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .map(Number)
        .sort((a, b) => b - a)
    : [];
  if (versions[0] !== undefined) return { bindir: join(root, String(versions[0]), 'bin'), version: versions[0] };
  try {
    const bindir = (await run('pg_config', ['--bindir'])).trim();
    if (!existsSync(join(bindir, 'initdb'))) return undefined;
    const version = /(\d+)/.exec(await run('pg_config', ['--version']))?.[1];
    return { bindir, version: Number(version ?? 0) };
  } catch {
    return undefined;
  }
}

/** Runs a command; resolves with its stdout, rejects with its stderr. */
function run(command: string, args: readonly string[], timeoutMs = WAIT_SECONDS * 1000 + 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const isRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when this process is root. */
function runPg(binaries: PgBinaries, name: string, args: readonly string[]): Promise<string> {
  const command = join(binaries.bindir, name);
  return isRoot() ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
}

/** A port free on 127.0.0.1 right now (the server may still lose it to a race: {@link startPgCluster} retries). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops and removes the clusters of earlier runs whose process is gone. */
async function reapLeftovers(binaries: PgBinaries): Promise<void> {
  const base = tmpdir();
  for (const name of readdirSync(base)) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(base, name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue; // not (yet) marked: another run may be creating it
    }
    if (!Number.isInteger(owner) || owner <= 0 || alive(owner)) continue;
    if (existsSync(join(dir, 'data', 'postmaster.pid'))) {
      await runPg(binaries, 'pg_ctl', ['stop', '-D', join(dir, 'data'), '-m', 'immediate', '-w', '-t', String(WAIT_SECONDS)]).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface StartOptions {
  /** A database to create besides `postgres` (the URL names it); default `postgres` only. */
  database?: string;
  /** Extra server settings (`-c name=value`). */
  settings?: Record<string, string | number>;
}

/**
 * Starts a throwaway cluster with `binaries` and resolves once it accepts
 * connections (`pg_ctl start -w`, then `pg_isready`, each bounded by 60 s).
 * On any failure the folder is removed and the error names the server log.
 */
export async function startPgCluster(binaries: PgBinaries, options: StartOptions = {}): Promise<PgCluster> {
  await reapLeftovers(binaries);
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const password = randomBytes(18).toString('base64url');
  let started = false;
  /**
   * A process that exits without the teardown (vitest on Ctrl-C calls process.exit) still
   * takes its cluster down: synchronously, as 'exit' handlers must (immediate mode).
   */
  const onExit = () => {
    if (started) {
      const args = ['stop', '-D', data, '-m', 'immediate', '-w', '-t', String(WAIT_SECONDS)];
      const pgCtl = join(binaries.bindir, 'pg_ctl');
      try {
        execFileSync(isRoot() ? 'runuser' : pgCtl, isRoot() ? ['-u', 'postgres', '--', pgCtl, ...args] : args, { stdio: 'ignore' });
      } catch {
        // the next start reaps what is left (owner.pid)
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    try {
      if (started) {
        started = false;
        await runPg(binaries, 'pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', String(WAIT_SECONDS)]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    writeFileSync(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
    if (isRoot()) {
      const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
      chownSync(dir, Number(uid), Number(gid));
      chownSync(join(dir, 'pwfile'), Number(uid), Number(gid));
    }
    await runPg(binaries, 'initdb', [
      '-D', data, '-U', 'postgres', '--pwfile', join(dir, 'pwfile'),
      '--auth-host=scram-sha-256', '--auth-local=trust', '--encoding=UTF8', '--locale=C', '--no-sync',
    ]);
    rmSync(join(dir, 'pwfile'));
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: dir,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: 200,
      ...options.settings,
    };
    const serverArgs = (port: number) => [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${String(v)}`)].join(' ');
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await runPg(binaries, 'pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', String(WAIT_SECONDS), '-o', serverArgs(port)]);
        break;
      } catch (error) {
        const why = existsSync(log) ? readFileSync(log, 'utf8') : '';
        // Another process took the port between freePort() and the server's bind: try another.
        if (attempt < 3 && /could not bind|Address already in use/i.test(why)) continue;
        throw new Error(`PostgreSQL did not start (log ${log}):\n${why}`, { cause: error });
      }
    }
    started = true;
    await waitReady(binaries, dir, port);
    const database = options.database ?? 'postgres';
    if (database !== 'postgres') await runPg(binaries, 'createdb', ['-h', dir, '-p', String(port), '-U', 'postgres', database]);
    return { url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`, port, dir, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** Polls `pg_isready` until the server accepts connections, for at most 60 s. */
async function waitReady(binaries: PgBinaries, socketDir: string, port: number): Promise<void> {
  const deadline = Date.now() + WAIT_SECONDS * 1000;
  for (;;) {
    try {
      await runPg(binaries, 'pg_isready', ['-q', '-h', socketDir, '-p', String(port), '-t', '5']);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL on port ${port} not ready after ${WAIT_SECONDS} s`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
