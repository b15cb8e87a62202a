/**
 * @module store/sql/settings
 *
 * Small named values over a {@link SqlExecutor}. Internal.
 */

import type { SettingsRepository } from '../ports/settings.js';
import type { SqlExecutor } from './executor.js';

export function createSettingsRepository(exec: SqlExecutor): SettingsRepository {
  return {
    async getSetting(name) {
      return (await exec.get<{ value: string }>('SELECT value FROM settings WHERE name = ?', [name]))?.value;
    },
    async putSetting(name, value) {
      await exec.run('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [name, value]);
    },
  };
}
