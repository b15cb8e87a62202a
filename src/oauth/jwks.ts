/**
 * @module oauth/jwks
 *
 * The authorization server's signing keys as an RFC 7517 JWK Set (the
 * metadata's `jwks_uri`): Ed25519 keys as OKP JWKs with `kid` = the key's
 * DID URL, so a stock verifier (`jose`'s `createRemoteJWKSet`) finds the key
 * an access token names. Reading a JWKS back is strict: a key is used only
 * when exactly one entry carries the `kid` and it is a public Ed25519
 * signing key.
 */

import { isRecord } from '../lib/assert.js';
import { decodeBase64url } from '../lib/base64url.js';
import { ed25519PublicJwk } from './jwk.js';
import type { PublicJwk } from './types.js';

/** One key of the node's JWKS. */
export type SigningJwk = PublicJwk & { kid: string; alg: 'EdDSA'; use: 'sig' };

/** Most entries of a JWKS read: a node publishes a few keys (the current one and rotated-out ones still in use). */
export const MAX_JWKS_KEYS = 64;

/**
 * The JWK Set of Ed25519 signing keys.
 *
 * @example
 * ```ts
 * jwksOf([{ kid: `${orgDid}#key-1`, publicKey }])
 * // { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '…', kid: 'did:web:acme.example#key-1', alg: 'EdDSA', use: 'sig' }] }
 * ```
 */
export function jwksOf(keys: readonly { kid: string; publicKey: Uint8Array }[]): { keys: SigningJwk[] } {
  return { keys: keys.map(({ kid, publicKey }) => ({ ...ed25519PublicJwk(publicKey), kid, alg: 'EdDSA' as const, use: 'sig' as const })) };
}

/**
 * The raw Ed25519 key a JWKS gives `kid`; undefined when no entry, or more
 * than one, carries it, or the entry is not a public Ed25519 signing key
 * (another type or curve, a private member, `alg` other than EdDSA, `use`
 * other than `sig`, `key_ops` without `verify`).
 */
export function ed25519KeyFromJwks(jwks: unknown, kid: string): Uint8Array | undefined {
  if (!isRecord(jwks) || !Array.isArray(jwks.keys) || typeof kid !== 'string' || kid.length === 0) return undefined;
  const entries = (jwks.keys as unknown[]).slice(0, MAX_JWKS_KEYS).filter((entry) => isRecord(entry) && entry.kid === kid);
  // Two keys under one kid: which one signed is ambiguous, so neither is used.
  if (entries.length !== 1) return undefined;
  const jwk = entries[0] as Record<string, unknown>;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || jwk.d !== undefined) return undefined;
  if (jwk.alg !== undefined && jwk.alg !== 'EdDSA') return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return undefined;
  const x = decodeBase64url(jwk.x);
  return x?.length === 32 ? x.slice() : undefined;
}
