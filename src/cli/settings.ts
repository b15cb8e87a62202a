/**
 * @module cli/settings
 *
 * The CLI's side of the configuration model: which settings the command
 * line gave as flags (commander's own defaults do not count, so a file or
 * an environment variable is not overruled by a default), resolved once per
 * command with the environment and the file (config/load).
 */

import type { Command } from 'commander';
import { loadNodeConfig, type NodeConfig } from '../config/load.js';
import { flagAttribute, SETTINGS } from '../config/settings.js';

/** The flags of settings given on `command`'s line (or its parents'), by setting name. */
export function flagsGiven(command: Command): Record<string, unknown> {
  const opts = command.optsWithGlobals<Record<string, unknown>>();
  const flags: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    if (spec.flag === undefined) continue;
    const attribute = flagAttribute(spec.flag);
    if (command.getOptionValueSourceWithGlobals(attribute) === 'cli') flags[spec.name] = opts[attribute];
  }
  return flags;
}

/**
 * `command`'s settings: its flags, then `env`, then the file, then the defaults.
 * @throws InputError as {@link loadNodeConfig} does.
 */
export function commandSettings(command: Command, env: Readonly<Record<string, string | undefined>>): NodeConfig {
  return loadNodeConfig({ env, flags: flagsGiven(command) });
}
