/**
 * @module lib/valid-schemas
 *
 * A verifier's memory of the credentials it found to match their JSON
 * Schema, by what names their exact signed payload text (the signer's key
 * and its valid signature, which no other text verifies under), its form and
 * the schema: the same text always validates the same way, so a verifier
 * that owns one (a node) validates a credential it sees again and again
 * once. Only matches of validly signed credentials are remembered; anything
 * else is checked every time. In lib/, apart from the validator, so a node
 * makes one when it opens without loading any credential code (#14).
 */

import { Cache } from './cache.js';

/** Validly signed credential payload texts found to match a schema, by name. */
export interface ValidSchemas {
  get(key: string): true | undefined;
  set(key: string, value: true): void;
}

/**
 * A bounded {@link ValidSchemas} for one owner (a node's verifier).
 *
 * @example
 * ```ts
 * await verifyCapabilityCredential(jwt, { resolver, validSchemas: createValidSchemas() });
 * ```
 */
export function createValidSchemas(options: { maxEntries?: number; ttlMs?: number } = {}): ValidSchemas {
  return new Cache<string, true>({ maxEntries: options.maxEntries ?? 4096, ttlMs: options.ttlMs ?? 60 * 60 * 1000 });
}
