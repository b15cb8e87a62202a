// `legate config` in process: every setting with its source (default, file, env, flag, store),
// secrets redacted, shared settings set and unset in the store, node settings refused there.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';
import { CONFIG_FILE } from '../../src/config/settings.js';
import { initNode } from '../../src/node/init.js';

const SECRET = 'correct horse battery staple';
let dataDir: string;

beforeAll(async () => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'legate-config-cli-')), 'acme');
  await initNode({ dataDir, domain: 'acme.example' });
  writeFileSync(join(dataDir, CONFIG_FILE), JSON.stringify({ host: '::1', timeout: 1000 }));
}, 60_000);

// The environment each run gets (main takes it explicitly; process.env is never touched).
let env: Record<string, string> = {};

afterEach(() => {
  env = {};
});

/** What `--json` prints: a report, a setting, or an error. */
interface Json {
  file?: string | null;
  settings?: { name: string }[];
  error?: { code: string; claim?: string; message: string };
}

interface Run {
  code: number;
  out: string;
  err: string;
  json: () => Json;
}

/** Runs `legate --data <acme> ...args` in this process. */
async function legate(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const sink = (write: (text: string) => void) => new Writable({ write: (chunk: Buffer, _encoding, done) => (write(chunk.toString()), done()) });
  const code = await main(['node', 'legate', '--data', dataDir, ...args], { out: sink((t) => (out += t)), err: sink((t) => (err += t)), env });
  return { code, out, err, json: () => JSON.parse(out) as Json };
}

const settingOf = (run: Run, name: string) => run.json().settings?.find((s) => s.name === name);

describe('legate config', () => {
  it('show labels each value with its source: default, file, env, flag, store', async () => {
    expect((await legate('config', 'set', 'maxStatusAge', '90')).code).toBe(0);
    env.LEGATE_TIMEOUT = '2000';
    env.LEGATE_SWEEP_INTERVAL = '30s';
    const run = await legate('config', 'show', '--json');
    expect(run.code).toBe(0);
    expect(run.json().file).toBe(join(dataDir, CONFIG_FILE));
    expect(settingOf(run, 'data')).toMatchObject({ value: dataDir, source: 'flag', scope: 'node' });
    expect(settingOf(run, 'host')).toMatchObject({ value: '::1', source: 'file' });
    expect(settingOf(run, 'timeout')).toMatchObject({ value: 2000, source: 'env', unit: 'ms' });
    expect(settingOf(run, 'sweepInterval')).toMatchObject({ value: 30, source: 'env', unit: 's' });
    expect(settingOf(run, 'allowHttpLoopback')).toMatchObject({ value: false, source: 'default' });
    expect(settingOf(run, 'maxStatusAge')).toMatchObject({ value: 90, source: 'store', scope: 'shared' });
    expect(settingOf(run, 'sessionLifetime')).toMatchObject({ value: 300, source: 'default', scope: 'shared' });
    await legate('config', 'unset', 'maxStatusAge');
  });

  it('a flag beats the environment and the file', async () => {
    env.LEGATE_TIMEOUT = '2000';
    const run = await legate('--timeout', '2500', 'config', 'get', 'timeout', '--json');
    expect(run.json()).toMatchObject({ name: 'timeout', value: 2500, source: 'flag' });
    expect((await legate('config', 'get', 'host')).out).toBe('::1\n');
  });

  it('redacts the passphrase in show and get, as text and JSON', async () => {
    env.LEGATE_PASSPHRASE = SECRET;
    const runs = [await legate('config', 'show'), await legate('config', 'show', '--json'), await legate('config', 'get', 'passphrase'), await legate('config', 'get', 'passphrase', '--json')];
    for (const run of runs) {
      expect(run.code).toBe(0);
      expect(run.out + run.err).not.toContain(SECRET);
      expect(run.out).toContain('<redacted>');
    }
    expect(runs[3]!.json()).toMatchObject({ name: 'passphrase', value: '<redacted>', source: 'env' });
  });

  it('set and unset change the store; get shows the source', async () => {
    const set = await legate('config', 'set', 'workLimits.resolutions', '12', '--json');
    expect(set.json()).toEqual({ name: 'workLimits.resolutions', value: 12, source: 'store' });
    expect((await legate('config', 'get', 'workLimits.resolutions', '--json')).json()).toMatchObject({ value: 12, source: 'store' });
    expect((await legate('config', 'unset', 'workLimits.resolutions')).out).toBe('workLimits.resolutions unset (default 40)\n');
    expect((await legate('config', 'get', 'workLimits.resolutions', '--json')).json()).toMatchObject({ value: 40, source: 'default' });
  });

  it('refuses to set a node setting, with where to set it: exit 2, ERR_INVALID_ARGUMENT, claim = the name', async () => {
    const run = await legate('config', 'set', 'timeout', '5', '--json');
    expect(run.code).toBe(2);
    expect(run.json().error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'timeout' });
    expect(run.json().error?.message).toContain('--timeout');
    const text = await legate('config', 'unset', 'passphrase');
    expect(text.code).toBe(2);
    expect(text.err).toContain('LEGATE_PASSPHRASE');
  });

  it('refuses unknown names and bad values: exit 2 with the code and claim', async () => {
    expect((await legate('config', 'get', 'nope', '--json')).json().error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'nope' });
    expect((await legate('config', 'set', 'sessionLifetime', 'P1M', '--json')).json().error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'sessionLifetime' });
    env.LEGATE_PORT = 'eighty';
    const run = await legate('config', 'show', '--json');
    expect(run.code).toBe(2);
    expect(run.json().error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'port' });
  });

  it('refuses an unknown key in the file for every command: ERR_SCHEMA', async () => {
    const file = join(dataDir, '..', 'typo.json');
    writeFileSync(file, JSON.stringify({ hots: '::1' }));
    const run = await legate('--config', file, 'approver', 'list', '--json');
    expect(run.code).toBe(2);
    expect(run.json().error).toMatchObject({ code: 'ERR_SCHEMA', claim: 'hots' });
  });
});
