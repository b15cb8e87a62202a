/**
 * @module store/sqlite/registry
 *
 * The trust-registry, settings, replay and usage part of the SQLite backend:
 * this organization's accreditations and recognitions, small named values,
 * one-time keys (message ids, nonces, jtis) and capability usage. Internal.
 */

import type { Database } from 'better-sqlite3';
import { legateError } from '../../errors/index.js';
import type { RegistryEntryKind, RegistryEntryRecord, UsageRecord } from '../types.js';

interface EntryRow {
  kind: RegistryEntryKind;
  key: string;
  entry: string;
  updated_at: string;
}

/** Claims between two purges of expired one-time keys. */
const PURGE_EVERY = 256;

export class RegistryStatements {
  readonly #put;
  readonly #remove;
  readonly #list;
  readonly #getSetting;
  readonly #putSetting;
  readonly #purgeKeys;
  readonly #claim;
  readonly #recordUsage;
  readonly #listUsage;
  #claimsSincePurge = 0;

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
    this.#purgeKeys = db.prepare<[string]>('DELETE FROM one_time_keys WHERE expires_at <= ?');
    // A key may be claimed again once it has expired: the upsert takes it over only then.
    this.#claim = db.prepare<[string, string, string]>(
      `INSERT INTO one_time_keys (key, expires_at) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE one_time_keys.expires_at <= ?`,
    );
    this.#recordUsage = db.prepare<{ key: string; at: string; amount: string | null; currency: string | null; expires_at: string | null }>(
      'INSERT INTO usage (key, at, amount, currency, expires_at) VALUES (@key, @at, @amount, @currency, @expires_at)',
    );
    this.#listUsage = db.prepare<[string, string], { key: string; at: string; amount: string | null; currency: string | null }>(
      'SELECT key, at, amount, currency FROM usage WHERE key = ? AND at >= ? ORDER BY at, seq',
    );
  }

  /**
   * One statement, so one commit: expired keys no longer need purging before
   * a claim (the upsert ignores them), and are purged every
   * {@link PURGE_EVERY} claims to bound the table.
   */
  claimOnce(key: string, expiresAt: string, now: string): boolean {
    if (++this.#claimsSincePurge >= PURGE_EVERY) {
      this.#claimsSincePurge = 0;
      this.#purgeKeys.run(now);
    }
    return this.#claim.run(key, expiresAt, now).changes === 1;
  }

  recordUsage(usage: UsageRecord): void {
    this.#recordUsage.run({
      key: usage.key,
      at: usage.at,
      amount: usage.amount ?? null,
      currency: usage.currency ?? null,
      expires_at: usage.expiresAt ?? null,
    });
  }

  listUsage(key: string, since: string): UsageRecord[] {
    return this.#listUsage.all(key, since).map((row) => ({
      key: row.key,
      at: row.at,
      ...(row.amount === null ? {} : { amount: row.amount }),
      ...(row.currency === null ? {} : { currency: row.currency }),
    }));
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
        throw legateError('ERR_STORE', 'a stored registry entry is corrupt', { cause });
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
