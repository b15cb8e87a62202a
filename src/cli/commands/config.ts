/**
 * @module cli/commands/config
 *
 * `legate config show|get|set|unset`: the node's settings (config/settings).
 * `show` and `get` print every setting's value and where it came from
 * (`default`, `file`, `env`, `flag`, `store`), secrets redacted. `set` and
 * `unset` change the fleet-wide settings kept in the store; a setting of
 * each instance is refused with where to set it instead (file, environment,
 * flag).
 *
 * These commands open the database alone, not the whole node: a stored
 * value that fails its check makes opening the node fail, and `set`/`unset`
 * must still be able to repair it.
 */

import type { Command } from 'commander';
import { describeConfig, formatValue, type SettingReport } from '../../config/describe.js';
import { readSharedConfig, setSharedSetting, sharedSpec, unsetSharedSetting, type SharedConfig } from '../../config/shared.js';
import { settingSpec } from '../../config/settings.js';
import { legateError } from '../../errors/index.js';
import { isInitialized } from '../../node/open.js';
import { openNodeStore } from '../../node/store-location.js';
import type { Store } from '../../store/types.js';
import { action } from '../command.js';
import { EXIT, nodeOptions, note, printJson, println, type GlobalOptions } from '../io.js';

/** Runs `fn` on the node's store; ERR_NOT_FOUND (claim `data`) when `--data` holds no node. */
async function withStore<T>(globals: GlobalOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  if (!isInitialized(globals.data, globals.database)) throw legateError('ERR_NOT_FOUND', `no Legate node in ${globals.data} (run \`legate init\`)`, { claim: 'data' });
  const store = await openNodeStore(nodeOptions(globals));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Every setting; shared ones from the store when `--data` holds a node, else their defaults. */
async function report(globals: GlobalOptions): Promise<SettingReport[]> {
  let shared: SharedConfig | undefined;
  if (isInitialized(globals.data, globals.database)) shared = await withStore(globals, (store) => readSharedConfig(store, globals.settings.overrides));
  else note(`legate: no Legate node in ${globals.data}: shared settings show their defaults`);
  return describeConfig(globals.settings, shared);
}

function printRow(row: SettingReport): void {
  const unit = row.unit === undefined || row.value === undefined ? '' : ` ${row.unit}`;
  const value = row.value === undefined ? `- (${row.default ?? 'none'})` : `${formatValue(row.value)}${unit}`;
  println(`${row.name.padEnd(26)} ${value.padEnd(24)} ${row.source.padEnd(7)} ${row.scope}`);
}

/** The row of `name`; ERR_INVALID_ARGUMENT (claim = `name`) when the table has none. */
function known(name: string): string {
  if (settingSpec(name) === undefined) throw legateError('ERR_INVALID_ARGUMENT', `unknown setting ${name.slice(0, 64)} (see \`legate config show\`)`, { claim: name.slice(0, 64) });
  return name;
}

export function registerConfig(program: Command): void {
  const config = program.command('config').description("this node's settings: shown with their source; fleet-wide ones set in the store");

  action(config.command('show').description('every setting, its value and where it came from (secrets redacted)'), async (globals) => {
    const rows = await report(globals);
    if (globals.json) printJson({ file: globals.settings.file ?? null, settings: rows });
    else {
      if (globals.settings.file !== undefined) note(`configuration file: ${globals.settings.file}`);
      for (const row of rows) printRow(row);
    }
    return EXIT.ok;
  });

  action(config.command('get <name>').description("one setting's value and source"), async (globals, name: string) => {
    known(name);
    const row = (await report(globals)).find((r) => r.name === name)!;
    if (globals.json) printJson(row);
    else println(formatValue(row.value));
    return EXIT.ok;
  });

  action(config.command('set <name> <value>').description('set a fleet-wide (shared) setting in the store'), async (globals, name: string, text: string) => {
    sharedSpec(name); // refused before the store is opened
    const value = await withStore(globals, (store) => setSharedSetting(store, name, text));
    if (globals.json) printJson({ name, value, source: 'store' });
    else println(`${name} = ${formatValue(value)}`);
    return EXIT.ok;
  });

  action(config.command('unset <name>').description('remove a fleet-wide setting from the store, so its default applies'), async (globals, name: string) => {
    const fallback = sharedSpec(name).default;
    await withStore(globals, (store) => unsetSharedSetting(store, name));
    if (globals.json) printJson({ name, value: fallback ?? null, source: 'default' });
    else println(`${name} unset (default ${formatValue(fallback)})`);
    return EXIT.ok;
  });
}
