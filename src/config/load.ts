/**
 * @module config/load
 *
 * Resolves this instance's settings: each node-scoped setting takes the
 * first of its flag, its `LEGATE_*` environment variable, the file and its
 * default. The file is `--config <path>` (or `LEGATE_CONFIG`), else
 * `legate.config.json` in the data directory when there is one; it is a
 * JSON object of node settings, and a key it should not hold (unknown,
 * fleet-wide, or the data directory and passphrase) is refused rather than
 * ignored, so a typo never silently leaves a default in force.
 *
 * Flags of shared settings (`serve --session-lifetime`) are kept as per-run
 * overrides; the store supplies the rest (see config/shared).
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, legateError } from '../errors/index.js';
import { parseSetting } from './parse-value.js';
import { CONFIG_FILE, SETTINGS, settingSpec, type SettingSource, type SettingSpec, type SettingValue } from './settings.js';

/** A setting's resolved value (undefined: no default, none given) and where it came from. */
export interface ResolvedSetting {
  value: SettingValue | undefined;
  source: SettingSource;
}

/** Resolved node settings, by name, plus the per-run flags of shared settings. */
export interface NodeConfig {
  /** Every node-scoped setting. */
  readonly node: Readonly<Record<string, ResolvedSetting>>;
  /** Shared settings given by a flag for this run only. */
  readonly overrides: Readonly<Record<string, ResolvedSetting>>;
  /** The file read, if any. */
  readonly file: string | undefined;
}

export interface LoadConfigOptions {
  /** The environment (the CLI passes `process.env`); nothing read when absent. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values of the flags given on the command line, by setting name (text, or `true` for a switch). */
  flags?: Readonly<Record<string, unknown>>;
}

/** Largest configuration file read: settings are a few lines. */
const MAX_FILE_BYTES = 64 * 1024;

function schemaError(claim: string, message: string): InputError {
  return legateError('ERR_SCHEMA', message, { claim });
}

/** The file's settings, checked: an object of node settings the file may hold. */
function readFile(path: string): Record<string, SettingValue> {
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > MAX_FILE_BYTES) throw legateError('ERR_INPUT_TOO_LARGE', `${path} is larger than ${MAX_FILE_BYTES} bytes`, { claim: 'config' });
    text = bytes.toString('utf8');
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    throw legateError('ERR_INVALID_ARGUMENT', `cannot read the configuration file ${path}`, { claim: 'config', cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw schemaError('config', `${path} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw schemaError('config', `${path} must hold a JSON object of settings`);
  const values: Record<string, SettingValue> = {};
  for (const [key, raw] of Object.entries(parsed)) {
    const spec = settingSpec(key);
    if (spec === undefined) throw schemaError(key, `${path}: unknown setting ${key.slice(0, 64)} (see \`legate config show\`)`);
    if (spec.scope === 'shared') throw schemaError(key, `${path}: ${key} is shared by every instance and lives in the store: use \`legate config set ${key} <value>\``);
    if (spec.inFile === false) throw schemaError(key, `${path}: ${key} cannot be set in the file${spec.env === undefined ? '' : ` (use ${spec.env})`}`);
    values[key] = parseSetting(spec, raw);
  }
  return values;
}

/** The strongest of a flag and an environment variable for `spec`, if either is given. */
function given(spec: SettingSpec, options: LoadConfigOptions): ResolvedSetting | undefined {
  const flag = spec.flag === undefined ? undefined : options.flags?.[spec.name];
  if (flag !== undefined) return { value: parseSetting(spec, flag), source: 'flag' };
  const env = spec.env === undefined || spec.scope !== 'node' ? undefined : options.env?.[spec.env];
  // An empty variable is an unset one (`LEGATE_PASSPHRASE= legate ...`).
  if (env !== undefined && env !== '') return { value: parseSetting(spec, env), source: 'env' };
  return undefined;
}

/**
 * This instance's settings: flag, then environment, then file, then default.
 * @throws InputError `ERR_SCHEMA` (claim = the key) for a file key that is
 * unknown, shared or not allowed in files, or a file that is not a JSON
 * object (claim `config`); `ERR_INVALID_ARGUMENT` (claim = the setting) for a
 * bad value, or a `--config` file that cannot be read (claim `config`).
 *
 * @example
 * ```ts
 * const config = loadNodeConfig({ env: process.env, flags: { timeout: '2000' } });
 * config.node.timeout // { value: 2000, source: 'flag' }
 * ```
 */
export function loadNodeConfig(options: LoadConfigOptions = {}): NodeConfig {
  const node: Record<string, ResolvedSetting> = {};
  const overrides: Record<string, ResolvedSetting> = {};
  const fallback = (spec: SettingSpec): ResolvedSetting => ({ value: spec.default, source: 'default' });
  // The data directory and the file's path come first: they say which file to read.
  for (const name of ['data', 'config']) node[name] = given(settingSpec(name)!, options) ?? fallback(settingSpec(name)!);
  const data = node.data!.value as string;
  const explicit = node.config!.value as string | undefined;
  const inData = join(data, CONFIG_FILE);
  const file = explicit ?? (existsSync(inData) ? inData : undefined);
  if (explicit === undefined && file !== undefined) node.config = { value: file, source: 'default' };
  const fromFile = file === undefined ? {} : readFile(file);
  for (const spec of SETTINGS) {
    if (spec.name === 'data' || spec.name === 'config') continue;
    if (spec.scope === 'shared') {
      const override = given(spec, options);
      if (override !== undefined) overrides[spec.name] = override;
      continue;
    }
    const inFile = fromFile[spec.name];
    node[spec.name] = given(spec, options) ?? (inFile === undefined ? fallback(spec) : { value: inFile, source: 'file' });
  }
  return { node, overrides, file };
}
