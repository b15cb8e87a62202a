/**
 * @module store/ports/registry
 *
 * The entries of this organization's trust list (accreditations and
 * recognitions), as configured.
 */

import type { RegistryEntryRecord } from '../types.js';

/** Registry entries, unique per kind and key. */
export interface RegistryRepository {
  /** Adds or replaces the entry of that kind and key. */
  putRegistryEntry(entry: RegistryEntryRecord): Promise<void>;
  /** Removes the entries with that key (of either kind); returns how many there were. */
  removeRegistryEntry(key: string): Promise<number>;
  /** Every entry, accreditations first, then by key. */
  listRegistryEntries(): Promise<RegistryEntryRecord[]>;
}
