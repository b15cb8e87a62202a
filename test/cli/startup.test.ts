/**
 * The CLI's program and the package entry load only what they need: the
 * program loads no command module until a command runs, and neither loads
 * better-sqlite3 (nor its native addon) on import. Checked in a child
 * process whose resolve hook records every module it loads.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../dist/', import.meta.url).href;

// Records every resolved URL in the child, and every native addon it opens.
const HOOK = `export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }
let port; export function initialize(data) { port = data.port; }`;

/** The module URLs and native addons the child loaded while running `body`. */
function loadedBy(body: string): { modules: string[]; addons: string[] } {
  const script = `
    import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const modules = []; const addons = [];
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (url) => modules.push(url)); port1.unref();
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}), { data: { port: port2 }, transferList: [port2] });
    const dlopen = process.dlopen;
    process.dlopen = (m, file, ...rest) => { addons.push(file); return dlopen.call(process, m, file, ...rest); };
    ${body}
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.stdout.write(JSON.stringify({ modules, addons }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { modules: string[]; addons: string[] };
}

const heavy = (modules: string[]) => modules.filter((url) => /node_modules\/(better-sqlite3|hono|ajv|undici|jsonld|key-did-resolver|pino|prom-client)\//.test(url));

describe('cli startup', () => {
  it('importing the program loads commander and no command module', () => {
    const { modules, addons } = loadedBy(`await import('${DIST}cli/program.js');`);
    expect(modules.some((url) => url.includes('/commander/'))).toBe(true);
    expect(heavy(modules)).toEqual([]);
    expect(modules.filter((url) => url.includes('/dist/cli/commands/'))).toEqual([]);
    expect(addons).toEqual([]);
  });

  it('building the program for --version loads no command module', () => {
    const { modules } = loadedBy(`const { buildProgram } = await import('${DIST}cli/program.js');
      const program = await buildProgram(['node', 'legate', '--version']);
      if (program.commands.length !== 0) throw new Error('commands were loaded');`);
    expect(modules.filter((url) => url.includes('/dist/cli/commands/'))).toEqual([]);
    expect(heavy(modules)).toEqual([]);
  });

  it("building the program for one command loads only that command's module", () => {
    const { modules } = loadedBy(`const { buildProgram } = await import('${DIST}cli/program.js');
      const program = await buildProgram(['node', 'legate', '--data', 'x', 'approver', 'list']);
      if (program.commands.map((c) => c.name()).join() !== 'approver') throw new Error('wrong commands');`);
    expect(modules.filter((url) => url.includes('/dist/cli/commands/')).map((url) => url.replace(/.*\/commands\//, ''))).toEqual(['approver.js']);
  });

  it('agent list on a node loads no verification code: no status checker, trust registry, Ajv or curve library (#14)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'legate-startup-'));
    try {
      const init = spawnSync(process.execPath, [new URL('cli/main.js', DIST).pathname, '--data', dir, 'init', '--domain', 'acme.example'], { encoding: 'utf8', timeout: 60_000 });
      expect(init.status, init.stderr).toBe(0);
      const { modules } = loadedBy(`const { Writable } = await import('node:stream');
        const sink = new Writable({ write: (chunk, encoding, done) => done() });
        const { main } = await import('${DIST}cli/program.js');
        const code = await main(['node', 'legate', '--data', ${JSON.stringify(dir)}, 'agent', 'list'], { out: sink, err: sink });
        if (code !== 0) throw new Error('agent list exited ' + code);`);
      expect(modules.some((url) => url.endsWith('/dist/node/open.js'))).toBe(true);
      expect(modules.filter((url) => /\/dist\/(status\/check|registry\/trust|credential\/|node\/registry|node\/status)\b/.test(url))).toEqual([]);
      expect(modules.filter((url) => /node_modules\/(ajv|hono|undici|jsonld|@noble\/curves|pino|prom-client)\//.test(url))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("import('legate') loads neither better-sqlite3 nor a native addon", () => {
    const { modules, addons } = loadedBy(`await import('${DIST}index.js');`);
    expect(modules.filter((url) => url.includes('better-sqlite3'))).toEqual([]);
    // Logs and metrics are the server's: the library loads neither pino nor prom-client.
    expect(modules.filter((url) => /node_modules\/(pino|prom-client)\//.test(url))).toEqual([]);
    expect(addons).toEqual([]);
  });

  it('building the program for each command declares that command and no other module', async () => {
    const { buildProgram } = await import('../../src/cli/program.js');
    const all = (await buildProgram()).commands.map((command) => command.name());
    for (const name of all) {
      const program = await buildProgram(['node', 'legate', name, '--help']);
      expect(program.commands.map((command) => command.name())).toContain(name);
      expect(program.commands.length).toBeLessThanOrEqual(3);
    }
  });

  it('buildProgram() without arguments declares every command, and main writes to the injected stream and returns its exit code', async () => {
    const { buildProgram, main } = await import('../../src/cli/program.js');
    const names = (await buildProgram()).commands.map((command) => command.name());
    expect(names).toEqual(['init', 'agent', 'cap', 'verify', 'present', 'authorize', 'status', 'registry', 'serve', 'handshake', 'action', 'approve', 'token', 'approver', 'did', 'audit', 'demo', 'store', 'config', 'key', 'alerts', 'operator', 'approvals', 'changes']);
    let out = '';
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((out += chunk.toString()), done()) });
    const before = process.exitCode;
    expect(await main(['node', 'legate', '--version'], { out: sink, err: sink })).toBe(0);
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(out).toBe(`${version}\n`);
    // main returns its code and leaves the process alone.
    expect(process.exitCode).toBe(before);
    expect(await main(['node', 'legate', 'frobnicate'], { out: sink, err: sink })).toBe(2);
    expect(process.exitCode).toBe(before);
  });
});
