/**
 * @module store/sqlite/registry
 *
 * The trust-registry and settings part of the SQLite backend: this
 * organization's accreditations and recognitions, and small named values.
 * Internal.
 */

import type { Database } from 'better-sqlite3';
import { StoreError } from '../../errors/index.js';
import type { RegistryEntryKind, RegistryEntryRecord } from '../types.js';

interface EntryRow {
  kind: RegistryEntryKind;
  key: string;
  entry: string;
  updated_at: string;
}

export class RegistryStatements {
  readonly #put;
  readonly #remove;
  readonly #list;
  readonly #getSetting;
  readonly #putSetting;

  constructor(db: Database) {
    this.#put = db.prepare<EntryRow>(
      `INSERT INTO registry_entries (kind, key, entry, updated_at) VALUES (@kind, @key, @entry, @updated_at)
       ON CONFLICT (kind, key) DO UPDATE SET entry = excluded.entry, updated_at = excluded.updated_at`,
    );
    this.#remove = db.prepare<[string]>('DELETE FROM registry_entries WHERE key = ?');
    this.#list = db.prepare<[], EntryRow>('SELECT kind, key, entry, updated_at FROM registry_entries ORDER BY kind, key');
    this.#getSetting = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?');
    this.#putSetting = db.prepare<[string, string]>(
      'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    );
  }

  putRegistryEntry(record: RegistryEntryRecord): void {
    this.#put.run({ kind: record.kind, key: record.key, entry: JSON.stringify(record.entry), updated_at: record.updatedAt });
  }

  removeRegistryEntry(key: string): number {
    return this.#remove.run(key).changes;
  }

  listRegistryEntries(): RegistryEntryRecord[] {
    return this.#list.all().map((row) => {
      let entry: unknown;
      try {
        entry = JSON.parse(row.entry);
      } catch (cause) {
        throw new StoreError('ERR_STORE', 'a stored registry entry is corrupt', { cause });
      }
      return { kind: row.kind, key: row.key, entry: entry as Record<string, unknown>, updatedAt: row.updated_at };
    });
  }

  getSetting(name: string): string | undefined {
    return this.#getSetting.get(name)?.value;
  }

  putSetting(name: string, value: string): void {
    this.#putSetting.run(name, value);
  }
}
