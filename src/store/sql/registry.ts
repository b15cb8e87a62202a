/**
 * @module store/sql/registry
 *
 * This organization's trust-list entries (accreditations and recognitions)
 * over a {@link SqlExecutor}, unique per kind and key, the entry kept as JSON
 * text. Internal.
 */

import { legateError } from '../../errors/index.js';
import type { RegistryRepository } from '../ports/registry.js';
import type { RegistryEntryKind } from '../types.js';
import type { SqlExecutor } from './executor.js';

interface EntryRow {
  kind: RegistryEntryKind;
  key: string;
  entry: string;
  updated_at: string;
}

export function createRegistryRepository(exec: SqlExecutor): RegistryRepository {
  return {
    async putRegistryEntry(record) {
      await exec.run(
        `INSERT INTO registry_entries (kind, key, entry, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, key) DO UPDATE SET entry = excluded.entry, updated_at = excluded.updated_at`,
        [record.kind, record.key, JSON.stringify(record.entry), record.updatedAt],
      );
    },
    async removeRegistryEntry(key) {
      return (await exec.run('DELETE FROM registry_entries WHERE key = ?', [key])).changes;
    },
    async listRegistryEntries() {
      const rows = await exec.all<EntryRow>('SELECT kind, key, entry, updated_at FROM registry_entries ORDER BY kind, key');
      return rows.map((row) => {
        let entry: unknown;
        try {
          entry = JSON.parse(row.entry);
        } catch (cause) {
          throw legateError('ERR_STORE', 'a stored registry entry is corrupt', { cause });
        }
        return { kind: row.kind, key: row.key, entry: entry as Record<string, unknown>, updatedAt: row.updated_at };
      });
    },
  };
}
