/**
 * @module data-integrity/hashes
 *
 * The memory of canonical hashes a verifier may own (see
 * `data-integrity/canonicalize`), in a module of its own so that creating
 * one does not load `jsonld`: a node or a verifier pool makes one at start,
 * and jsonld still loads only when a Data Integrity credential arrives.
 */

import { TtlCache } from '../lib/ttl-cache.js';

/**
 * Canonical hashes by the SHA-256 of the exact JSON they were computed from.
 * Only documents with built-in contexts are remembered (their canonical form
 * depends on nothing else), so an entry is never wrong, only absent.
 */
export interface CanonicalHashes {
  get(key: string): Uint8Array | undefined;
  set(key: string, hash: Uint8Array): void;
}

/**
 * A bounded memory of canonical hashes for one owner (a node, a verifier),
 * to pass as `hashes` to every signing and verification it makes.
 *
 * @example
 * ```ts
 * const hashes = createCanonicalHashes();
 * await verifyCapabilityCredential(secured, { resolver, canonicalHashes: hashes });
 * ```
 */
export function createCanonicalHashes(options: { maxEntries?: number; ttlMs?: number } = {}): CanonicalHashes {
  return new TtlCache<string, Uint8Array>({ maxEntries: options.maxEntries ?? 8192, ttlMs: options.ttlMs ?? 60 * 60 * 1000 });
}
