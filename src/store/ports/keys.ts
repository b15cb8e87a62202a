/**
 * @module store/ports/keys
 *
 * Key records: public keys in the clear, private keys only ever sealed by
 * the key store (a backend never sees them in the clear).
 */

import type { KeyRecord, KeyRetirement, KeyStatus } from '../types.js';

/** Keys by verification method id; a duplicate kid is `ERR_CONFLICT`. */
export interface KeyRepository {
  putKey(key: KeyRecord): Promise<void>;
  getKey(kid: string): Promise<KeyRecord | undefined>;
  /** Keys of one controller (oldest first), or all keys. */
  listKeys(controller?: string): Promise<KeyRecord[]>;
  setKeyStatus(kid: string, status: KeyStatus): Promise<void>;
  /** Retires a key and records why, in one write; `ERR_NOT_FOUND` for an unknown kid. */
  retireKey(kid: string, retirement: KeyRetirement): Promise<void>;
}
