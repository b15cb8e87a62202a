/**
 * @module config/shared
 *
 * The settings every instance of a fleet must agree on live in the store,
 * not in each instance's file or environment: one settings row,
 * `config.shared`, holding a JSON object of the values set with
 * `legate config set`. Every open reads it, so instances sharing a store
 * share the values. Names the row holds that this version does not know are
 * left alone (a newer instance of the fleet may have set them); a value this
 * version cannot read is a damaged store, refused at open rather than
 * replaced by a default.
 */

import { legateError } from '../errors/index.js';
import type { ResolvedSetting } from './load.js';
import { parseSetting } from './parse-value.js';
import { SETTINGS, settingSpec, type SettingSpec, type SettingValue } from './settings.js';

/** The settings row that holds the shared settings. */
export const SHARED_SETTINGS_ROW = 'config.shared';

/** What this module needs of a store: its settings rows (the `Store` has them). */
export interface SettingsPort {
  getSetting(name: string): Promise<string | undefined>;
  putSetting(name: string, value: string): Promise<void>;
}

/** A settings port whose read-modify-write can be atomic. */
export interface TransactionalSettingsPort extends SettingsPort {
  transaction<T>(fn: (tx: SettingsPort) => Promise<T>): Promise<T>;
}

/** Every shared setting, resolved: a per-run override, else the store, else the default. */
export type SharedConfig = Readonly<Record<string, ResolvedSetting>>;

/** The row's object; unreadable JSON is a damaged store. */
async function readRow(store: SettingsPort): Promise<Record<string, unknown>> {
  const text = await store.getSetting(SHARED_SETTINGS_ROW);
  if (text === undefined) return {};
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch {
    row = undefined;
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw legateError('ERR_STORE_CORRUPT', `the store's ${SHARED_SETTINGS_ROW} row is not a JSON object`, { claim: SHARED_SETTINGS_ROW });
  return row as Record<string, unknown>;
}

/**
 * The shared settings as this instance applies them.
 * @throws StoreError `ERR_STORE_CORRUPT` (claim = the setting) when a stored value fails its check.
 */
export async function readSharedConfig(store: SettingsPort, overrides: Readonly<Record<string, ResolvedSetting>> = {}): Promise<SharedConfig> {
  const row = await readRow(store);
  const config: Record<string, ResolvedSetting> = {};
  for (const spec of SETTINGS) {
    if (spec.scope !== 'shared') continue;
    const override = overrides[spec.name];
    if (override !== undefined) {
      config[spec.name] = override;
      continue;
    }
    const stored = Object.hasOwn(row, spec.name) ? row[spec.name] : undefined;
    if (stored === undefined) {
      config[spec.name] = { value: spec.default, source: 'default' };
      continue;
    }
    try {
      config[spec.name] = { value: parseSetting(spec, stored), source: 'store' };
    } catch (cause) {
      throw legateError('ERR_STORE_CORRUPT', `the stored value of ${spec.name} is invalid (fix it with \`legate config set\` or \`unset\`)`, { claim: spec.name, cause });
    }
  }
  return config;
}

/**
 * The row of the shared setting `name`.
 * @throws InputError `ERR_INVALID_ARGUMENT` (claim = `name`) for an unknown
 * setting, or one of each instance (the message says where to set it instead).
 */
export function sharedSpec(name: string): SettingSpec {
  const spec = settingSpec(name);
  if (spec === undefined) throw legateError('ERR_INVALID_ARGUMENT', `unknown setting ${name.slice(0, 64)} (see \`legate config show\`)`, { claim: name.slice(0, 64) });
  if (spec.scope !== 'shared') {
    const where = [spec.inFile === false ? undefined : 'the configuration file', spec.env, spec.flag?.split(' ')[0]].filter((x) => x !== undefined).join(', ');
    throw legateError('ERR_INVALID_ARGUMENT', `${name} is a setting of each instance, not of the fleet: set it with ${where}`, { claim: name });
  }
  return spec;
}

/**
 * Checks `text` and stores it as the fleet's value of the shared setting `name`.
 * @throws InputError `ERR_INVALID_ARGUMENT` (claim = `name`) for an unknown
 * or node-scoped setting, or a bad value.
 *
 * @example
 * ```ts
 * await setSharedSetting(store, 'maxStatusAge', '2m'); // 120
 * ```
 */
export async function setSharedSetting(store: TransactionalSettingsPort, name: string, text: string): Promise<SettingValue> {
  const spec = sharedSpec(name);
  const value = parseSetting(spec, text);
  await store.transaction(async (tx) => {
    const row = await readRow(tx);
    await tx.putSetting(SHARED_SETTINGS_ROW, JSON.stringify({ ...row, [spec.name]: value }));
  });
  return value;
}

/**
 * Removes the fleet's value of the shared setting `name`, so its default applies.
 * A stored value that fails its check can still be removed.
 * @throws InputError `ERR_INVALID_ARGUMENT` (claim = `name`) for an unknown or node-scoped setting.
 */
export async function unsetSharedSetting(store: TransactionalSettingsPort, name: string): Promise<void> {
  const spec = sharedSpec(name);
  await store.transaction(async (tx) => {
    const row = await readRow(tx);
    if (!Object.hasOwn(row, spec.name)) return;
    const { [spec.name]: _removed, ...rest } = row;
    await tx.putSetting(SHARED_SETTINGS_ROW, JSON.stringify(rest));
  });
}
