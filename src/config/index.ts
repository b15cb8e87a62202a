/**
 * @module config
 *
 * One configuration model for a Legate node: the settings table, the
 * loader (flag > environment > file > default for each instance), the
 * fleet-wide settings kept in the store, and the options and policy a node
 * is opened with.
 */

export { SETTINGS, CONFIG_FILE, settingSpec, type SettingSpec, type SettingSource, type SettingType, type SettingValue } from './settings.js';
export { parseSetting } from './parse-value.js';
export { loadNodeConfig, type LoadConfigOptions, type NodeConfig, type ResolvedSetting } from './load.js';
export { readSharedConfig, setSharedSetting, unsetSharedSetting, SHARED_SETTINGS_ROW, type SharedConfig, type SettingsPort } from './shared.js';
export { instanceOptions, serveSettings, sharedPolicy, type InstanceOptions, type ServeSettings, type SharedPolicy } from './node-options.js';
export { describeConfig, formatValue, REDACTED, type SettingReport } from './describe.js';
