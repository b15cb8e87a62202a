/**
 * @module config/describe
 *
 * What `legate config show` prints: every setting, its value, where the
 * value came from, and how to set it. Secrets are replaced by a marker
 * that says only whether one is set.
 */

import type { NodeConfig, ResolvedSetting } from './load.js';
import type { SharedConfig } from './shared.js';
import { SETTINGS, type SettingSource, type SettingValue } from './settings.js';

/** Shown in place of a secret that is set. */
export const REDACTED = '<redacted>';

/** One line of `legate config show`. */
export interface SettingReport {
  name: string;
  scope: 'node' | 'shared';
  /** The value in force; absent when none (the `default` note says what applies). */
  value?: SettingValue;
  source: SettingSource;
  unit?: string;
  /** What applies when no value is set and the table has no fixed default. */
  default?: string;
  env?: string;
  flag?: string;
  doc: string;
}

/**
 * Every setting as this instance sees it. Shared settings are listed from
 * `shared` (read from the store); without a node to read, they show the
 * defaults and any per-run override.
 */
export function describeConfig(config: NodeConfig, shared?: SharedConfig): SettingReport[] {
  return SETTINGS.map((spec) => {
    const resolved: ResolvedSetting =
      (spec.scope === 'node' ? config.node[spec.name] : (shared?.[spec.name] ?? config.overrides[spec.name])) ?? { value: spec.default, source: 'default' };
    const value = spec.secret === true && resolved.value !== undefined ? REDACTED : resolved.value;
    return {
      name: spec.name,
      scope: spec.scope,
      ...(value === undefined ? {} : { value }),
      source: resolved.source,
      ...(spec.unit === undefined ? {} : { unit: spec.unit }),
      ...(spec.defaultNote === undefined ? {} : { default: spec.defaultNote }),
      ...(spec.env === undefined ? {} : { env: spec.env }),
      ...(spec.flag === undefined ? {} : { flag: spec.flag.split(' ')[0]! }),
      doc: spec.doc,
    };
  });
}

/** A value as one line of text. */
export function formatValue(value: SettingValue | undefined): string {
  if (value === undefined) return '-';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
