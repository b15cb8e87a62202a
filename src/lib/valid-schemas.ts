/**
 * @module lib/valid-schemas
 *
 * A verifier's memory of the credentials it found to match their JSON
 * Schema, by a digest of their exact signed payload text, its form and the
 * schema: the same text always validates the same way, so a verifier that
 * owns one (a node) validates a credential it sees again and again once.
 * Only matches are remembered; a credential that does not match is checked
 * (and refused) every time. In lib/, apart from the validator, so a node
 * makes one when it opens without loading any credential code (#14).
 */

import { Cache } from './cache.js';

/** Digests of credential payload texts found valid against a schema. */
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
