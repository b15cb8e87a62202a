// The node's settings: flag > LEGATE_* environment > legate.config.json > default,
// and every refusal with a stable code and the setting's name as `claim`.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadNodeConfig } from '../../src/config/load.js';
import { instanceOptions, serveSettings } from '../../src/config/node-options.js';
import { parseSetting } from '../../src/config/parse-value.js';
import { CONFIG_FILE, SETTINGS, settingSpec } from '../../src/config/settings.js';
import { DEFAULT_MAX_STATUS_AGE_SECONDS } from '../../src/status/max-age.js';
import { DEFAULT_WORK_LIMITS } from '../../src/lib/work-budget.js';
import { SWEEP_INTERVAL_MS } from '../../src/node/sweep.js';
import { DEFAULT_STATUS_REFRESH_INTERVAL_MS } from '../../src/node/status-refresh.js';

let data: string;

beforeEach(() => {
  data = mkdtempSync(join(tmpdir(), 'legate-config-'));
});

const writeConfig = (settings: unknown, path = join(data, CONFIG_FILE)) => {
  writeFileSync(path, JSON.stringify(settings));
  return path;
};

const refused = (code: string, claim: string) => ({ code, claim });

describe('precedence', () => {
  it('takes the default when nothing else sets a value', () => {
    const config = loadNodeConfig({ env: { LEGATE_DATA: data } });
    expect(config.node.timeout).toEqual({ value: undefined, source: 'default' });
    expect(config.node.host).toEqual({ value: '127.0.0.1', source: 'default' });
    expect(config.node.sweepInterval).toEqual({ value: 60, source: 'default' });
    expect(config.file).toBeUndefined();
  });

  it('file beats default, environment beats file, flag beats environment', () => {
    writeConfig({ timeout: 1000, host: '::1', port: 7000, sweepInterval: '2m' });
    const fileOnly = loadNodeConfig({ env: { LEGATE_DATA: data } });
    expect(fileOnly.node.timeout).toEqual({ value: 1000, source: 'file' });
    expect(fileOnly.node.sweepInterval).toEqual({ value: 120, source: 'file' });
    expect(fileOnly.file).toBe(join(data, CONFIG_FILE));

    const env = { LEGATE_DATA: data, LEGATE_TIMEOUT: '2000', LEGATE_HOST: '127.0.0.1' };
    const withEnv = loadNodeConfig({ env });
    expect(withEnv.node.timeout).toEqual({ value: 2000, source: 'env' });
    expect(withEnv.node.host).toEqual({ value: '127.0.0.1', source: 'env' });
    expect(withEnv.node.port).toEqual({ value: 7000, source: 'file' });

    const withFlag = loadNodeConfig({ env, flags: { timeout: '3s' } });
    expect(withFlag.node.timeout).toEqual({ value: 3000, source: 'flag' });
    expect(instanceOptions(withFlag)).toMatchObject({ dataDir: data, timeoutMs: 3000, allowHttpLoopback: false });
    expect(serveSettings(withFlag)).toEqual({ host: '127.0.0.1', port: 7000, sweepIntervalMs: 120_000, statusRefreshIntervalMs: 900_000, renewalIntervalMs: 300_000, auditCheckpointIntervalMs: 10_000, logLevel: 'info', alertCheckIntervalMs: 900_000, trustedProxies: [], heapGrowthPercent: 25 });
  });

  it('finds the data directory by flag, then LEGATE_DATA, then ./.legate, and reads the file there', () => {
    const other = join(data, 'other');
    mkdirSync(other);
    writeConfig({ allowHttpLoopback: true }, join(other, CONFIG_FILE));
    expect(loadNodeConfig({ env: {} }).node.data).toEqual({ value: './.legate', source: 'default' });
    expect(loadNodeConfig({ env: { LEGATE_DATA: data } }).node.allowHttpLoopback).toEqual({ value: false, source: 'default' });
    const byFlag = loadNodeConfig({ env: { LEGATE_DATA: data }, flags: { data: other } });
    expect(byFlag.node.data).toEqual({ value: other, source: 'flag' });
    expect(byFlag.node.allowHttpLoopback).toEqual({ value: true, source: 'file' });
  });

  it('reads --config (or LEGATE_CONFIG) instead of the file in the data directory', () => {
    writeConfig({ timeout: 1000 });
    const elsewhere = writeConfig({ timeout: 4000 }, join(data, 'elsewhere.json'));
    expect(loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_CONFIG: elsewhere } }).node.timeout?.value).toBe(4000);
    expect(loadNodeConfig({ env: { LEGATE_DATA: data }, flags: { config: elsewhere } }).node.config).toEqual({ value: elsewhere, source: 'flag' });
  });

  it('turns a status refresh interval of 0 into no job on this instance', () => {
    expect(serveSettings(loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_STATUS_REFRESH_INTERVAL: '0' } })).statusRefreshIntervalMs).toBe(false);
    expect(serveSettings(loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_STATUS_REFRESH_INTERVAL: '5m' } })).statusRefreshIntervalMs).toBe(300_000);
    expect(serveSettings(loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_AUDIT_CHECKPOINT_INTERVAL: '0' } })).auditCheckpointIntervalMs).toBe(false);
    expect(serveSettings(loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_AUDIT_CHECKPOINT_INTERVAL: '30' } })).auditCheckpointIntervalMs).toBe(30_000);
  });

  it('takes a log level among its words only, by flag, LEGATE_LOG_LEVEL or the file', () => {
    expect(serveSettings(loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_LOG_LEVEL: 'debug' } })).logLevel).toBe('debug');
    expect(serveSettings(loadNodeConfig({ env: { LEGATE_DATA: data }, flags: { logLevel: 'silent' } })).logLevel).toBe('silent');
    writeConfig({ logLevel: 'warn' });
    expect(loadNodeConfig({ env: { LEGATE_DATA: data } }).node.logLevel).toEqual({ value: 'warn', source: 'file' });
    expect(() => loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_LOG_LEVEL: 'loud' } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', claim: 'logLevel' }));
  });

  it('takes a heap growth from 0 to 300 percent, by LEGATE_HEAP_GROWTH_PERCENT or the file, 25 by default', () => {
    expect(serveSettings(loadNodeConfig({ env: { LEGATE_DATA: data } })).heapGrowthPercent).toBe(25);
    expect(serveSettings(loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_HEAP_GROWTH_PERCENT: '0' } })).heapGrowthPercent).toBe(0);
    writeConfig({ heapGrowthPercent: 300 });
    expect(loadNodeConfig({ env: { LEGATE_DATA: data } }).node.heapGrowthPercent).toEqual({ value: 300, source: 'file' });
    for (const bad of ['301', '-1', '1.5', 'lots']) {
      expect(() => loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_HEAP_GROWTH_PERCENT: bad } })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', claim: 'heapGrowthPercent' }));
    }
  });

  it('treats an empty environment variable as unset, and reads 1/0 switches', () => {
    expect(loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_PASSPHRASE: '' } }).node.passphrase).toEqual({ value: undefined, source: 'default' });
    expect(loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_ALLOW_HTTP_LOOPBACK: '1' } }).node.allowHttpLoopback).toEqual({ value: true, source: 'env' });
    expect(loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_ALLOW_HTTP_LOOPBACK: '0' } }).node.allowHttpLoopback?.value).toBe(false);
  });

  it('keeps a shared setting given by a flag as a per-run override, and ignores shared settings in the environment', () => {
    const config = loadNodeConfig({ env: { LEGATE_DATA: data, LEGATE_SESSION_LIFETIME: '10' }, flags: { sessionLifetime: '120' } });
    expect(config.overrides).toEqual({ sessionLifetime: { value: 120, source: 'flag' } });
    expect(config.node.sessionLifetime).toBeUndefined();
    expect(instanceOptions(config).sessionLifetimeSeconds).toBe(120);
  });
});

describe('the file', () => {
  it('refuses an unknown key: ERR_SCHEMA, claim = the key', () => {
    writeConfig({ timeout: 1000, timout: 2000 });
    expect(() => loadNodeConfig({ env: { LEGATE_DATA: data } })).toThrow(expect.objectContaining(refused('ERR_SCHEMA', 'timout')));
  });

  it('refuses a shared setting, the data directory and the passphrase: ERR_SCHEMA', () => {
    for (const key of ['maxStatusAge', 'data', 'passphrase']) {
      writeConfig({ [key]: key === 'maxStatusAge' ? 60 : 'x' });
      expect(() => loadNodeConfig({ env: { LEGATE_DATA: data } }), key).toThrow(expect.objectContaining(refused('ERR_SCHEMA', key)));
    }
  });

  it('refuses a file that is not a JSON object (ERR_SCHEMA) and a --config that cannot be read (ERR_INVALID_ARGUMENT)', () => {
    writeFileSync(join(data, CONFIG_FILE), '[1, 2]');
    expect(() => loadNodeConfig({ env: { LEGATE_DATA: data } })).toThrow(expect.objectContaining(refused('ERR_SCHEMA', 'config')));
    writeFileSync(join(data, CONFIG_FILE), '{ timeout: 1 }');
    expect(() => loadNodeConfig({ env: { LEGATE_DATA: data } })).toThrow(expect.objectContaining(refused('ERR_SCHEMA', 'config')));
    expect(() => loadNodeConfig({ env: { LEGATE_DATA: data }, flags: { config: join(data, 'missing.json') } })).toThrow(
      expect.objectContaining(refused('ERR_INVALID_ARGUMENT', 'config')),
    );
  });
});

describe('values', () => {
  it.each([
    ['timeout', { LEGATE_TIMEOUT: 'soon' }],
    ['timeout', { LEGATE_TIMEOUT: '0' }],
    ['timeout', { LEGATE_TIMEOUT: 'P1M' }],
    ['port', { LEGATE_PORT: '65536' }],
    ['port', { LEGATE_PORT: '-1' }],
    ['allowHttpLoopback', { LEGATE_ALLOW_HTTP_LOOPBACK: 'yes' }],
    ['sweepInterval', { LEGATE_SWEEP_INTERVAL: '500ms' }],
  ])('refuses a bad %s from the environment: ERR_INVALID_ARGUMENT, claim = the setting', (claim, env) => {
    expect(() => loadNodeConfig({ env: { LEGATE_DATA: data, ...env } })).toThrow(expect.objectContaining(refused('ERR_INVALID_ARGUMENT', claim)));
  });

  it('refuses bad values from the file and from flags the same way', () => {
    writeConfig({ port: '80' });
    expect(() => loadNodeConfig({ env: { LEGATE_DATA: data } })).not.toThrow();
    writeConfig({ port: 80.5 });
    expect(() => loadNodeConfig({ env: { LEGATE_DATA: data } })).toThrow(expect.objectContaining(refused('ERR_INVALID_ARGUMENT', 'port')));
    writeConfig({ allowHttpLoopback: 'maybe' });
    expect(() => loadNodeConfig({ env: { LEGATE_DATA: data } })).toThrow(expect.objectContaining(refused('ERR_INVALID_ARGUMENT', 'allowHttpLoopback')));
    expect(() => loadNodeConfig({ env: {}, flags: { timeout: '1y' } })).toThrow(expect.objectContaining(refused('ERR_INVALID_ARGUMENT', 'timeout')));
  });

  it('reads durations in the setting unit: whole numbers, short forms and ISO 8601', () => {
    const lifetime = settingSpec('sessionLifetime')!;
    expect(parseSetting(lifetime, '300')).toBe(300);
    expect(parseSetting(lifetime, '5m')).toBe(300);
    expect(parseSetting(lifetime, 'PT1H')).toBe(3600);
    expect(() => parseSetting(lifetime, 'P2D')).toThrow(expect.objectContaining(refused('ERR_INVALID_ARGUMENT', 'sessionLifetime')));
    expect(parseSetting(settingSpec('timeout')!, '2s')).toBe(2000);
  });

  it('checks status-age rules field by field', () => {
    const policy = settingSpec('statusAgePolicy')!;
    expect(parseSetting(policy, '[{"action":"pay","resource":"*","maxStatusAge":"PT30S"}]')).toEqual([{ action: 'pay', resource: '*', maxStatusAge: 'PT30S' }]);
    for (const bad of ['{}', '[{"action":"pay","resource":"*"}]', '[{"action":"pay","resource":"*","maxStatusAge":-1}]', '[{"action":"pay","resource":"*","maxStatusAge":"soon"}]', '[{"action":"","resource":"*","maxStatusAge":1}]', '[{"action":"pay","resource":"*","maxStatusAge":1,"extra":1}]']) {
      expect(() => parseSetting(policy, bad), bad).toThrow(expect.objectContaining(refused('ERR_INVALID_ARGUMENT', 'statusAgePolicy')));
    }
  });

  it('reads oauth.clients entries as DIDs with the audience each serves after =', () => {
    const clients = settingSpec('oauth.clients')!;
    const entries = ['did:web:rs.example=https://rs.example/api?v=1', 'did:web:rs.example=did:web:bank.example:agents:teller', 'did:key:z6Mk'];
    expect(parseSetting(clients, entries.join(' '))).toEqual(entries);
    for (const bad of ['did:web:rs.example=', 'did:=https://rs.example', 'did:web:rs.example=ftp://rs.example', 'did:web:rs.example=rs.example', 'did:web:rs.example=https://rs.example/#x']) {
      expect(() => parseSetting(clients, bad), bad).toThrow(expect.objectContaining(refused('ERR_INVALID_ARGUMENT', 'oauth.clients')));
    }
    // Other lists keep their entries whole: `=` names nothing there.
    expect(() => parseSetting(settingSpec('oauth.resources')!, 'https://rs.example/api=x')).not.toThrow();
  });

  it('takes oauth.issuer as an origin only: a path would advertise endpoints the node does not serve', () => {
    const issuer = settingSpec('oauth.issuer')!;
    expect(parseSetting(issuer, 'https://bank.example')).toBe('https://bank.example');
    expect(parseSetting(issuer, 'http://127.0.0.1:7401/')).toBe('http://127.0.0.1:7401/');
    for (const bad of ['https://bank.example/as', 'https://bank.example/?tenant=1', 'https://bank.example#x', 'bank.example', 'ftp://bank.example']) {
      expect(() => parseSetting(issuer, bad), bad).toThrow(expect.objectContaining(refused('ERR_INVALID_ARGUMENT', 'oauth.issuer')));
    }
    expect(() => parseSetting(issuer, 'https://bank.example/as')).toThrow(/without a path.*not under \/as/);
  });

  it("never quotes a secret's value in a refusal", () => {
    try {
      parseSetting(settingSpec('passphrase')!, 'x'.repeat(5000));
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject(refused('ERR_INVALID_ARGUMENT', 'passphrase'));
      expect((error as Error).message).not.toContain('xxxx');
    }
  });
});

describe('the table', () => {
  it("states the code's own defaults", () => {
    const value = (name: string) => settingSpec(name)!.default;
    expect(value('maxStatusAge')).toBe(DEFAULT_MAX_STATUS_AGE_SECONDS);
    expect(value('sweepInterval')).toBe(SWEEP_INTERVAL_MS / 1000);
    expect(value('statusRefreshInterval')).toBe(DEFAULT_STATUS_REFRESH_INTERVAL_MS / 1000);
    for (const [kind, limit] of Object.entries(DEFAULT_WORK_LIMITS)) expect(value(`workLimits.${kind}`), kind).toBe(limit);
  });

  it('names each setting, environment variable and flag once, and only node settings read the environment', () => {
    const unique = (list: (string | undefined)[]) => new Set(list.filter((x) => x !== undefined)).size === list.filter((x) => x !== undefined).length;
    expect(unique(SETTINGS.map((s) => s.name))).toBe(true);
    expect(unique(SETTINGS.map((s) => s.env))).toBe(true);
    expect(unique(SETTINGS.map((s) => s.flag?.split(' ')[0]))).toBe(true);
    expect(SETTINGS.filter((s) => s.scope === 'shared' && s.env !== undefined)).toEqual([]);
    for (const spec of SETTINGS) if (spec.default !== undefined) expect(parseSetting(spec, spec.default), spec.name).toEqual(spec.default);
  });
});
