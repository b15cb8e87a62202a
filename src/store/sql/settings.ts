/**
 * @module store/sql/settings
 *
 * Small named values over a {@link SqlExecutor}. Inside a transaction,
 * reading a setting takes its lock ({@link lockKey}) first: what is read
 * there is read to write its next value (the trust list's version is read,
 * incremented and stored), and two instances must not both publish one
 * version. Internal.
 */

import type { SettingsRepository } from '../ports/settings.js';
import { lockKey, type SqlExecutor } from './executor.js';

export function createSettingsRepository(exec: SqlExecutor): SettingsRepository {
  return {
    async getSetting(name) {
      await exec.lock(lockKey.setting(name));
      return (await exec.get<{ value: string }>('SELECT value FROM settings WHERE name = ?', [name]))?.value;
    },
    async putSetting(name, value) {
      await exec.run('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [name, value]);
    },
  };
}
