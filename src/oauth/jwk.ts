/**
 * @module oauth/jwk
 *
 * Public JWKs of the two key types Legate's OAuth side accepts: Ed25519
 * (OKP, Legate's own keys) and P-256 (EC, what most OAuth clients generate
 * for DPoP). Parsing is strict: a JWK carrying a private member is refused
 * (RFC 9449 §4.3 point 7: the proof's `jwk` must not hold a private key), so
 * is any other key type, curve or coordinate length. The RFC 7638 thumbprint
 * is the key's stable name (`cnf.jkt`).
 */

import { createPublicKey, hash, type KeyObject } from 'node:crypto';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { decodeBase64url, encodeBase64url } from '../lib/base64url.js';
import { publicKeyObject } from '../lib/ed25519.js';
import { TtlCache } from '../lib/ttl-cache.js';
import type { PublicJwk } from './types.js';

/** JWK members that hold private key material (RFC 7517 §9.2, RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const invalidJwk = (message: string) => legateError('ERR_DPOP_INVALID', message, { claim: 'jwk', reason: 'jwk' });

/** Decoded length of a base64url member, or -1 when it is not strict base64url. */
function decodedLength(value: unknown): number {
  if (typeof value !== 'string') return -1;
  return decodeBase64url(value)?.length ?? -1;
}

/**
 * The RFC 7638 thumbprint of a public JWK: base64url SHA-256 of its required
 * members in lexicographic order, no whitespace (RFC 7638 §3.2; RFC 8037 §2
 * for OKP).
 *
 * @example
 * ```ts
 * jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })
 * // 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k'
 * ```
 */
export function jwkThumbprint(jwk: PublicJwk): string {
  // Built by hand, not JSON.stringify of an object: member order is the spec's, whatever the input's.
  let json: string;
  if (jwk.kty === 'OKP' && typeof jwk.x === 'string') json = `{"crv":${JSON.stringify(jwk.crv)},"kty":"OKP","x":${JSON.stringify(jwk.x)}}`;
  else if (jwk.kty === 'EC' && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
    json = `{"crv":${JSON.stringify(jwk.crv)},"kty":"EC","x":${JSON.stringify(jwk.x)},"y":${JSON.stringify(jwk.y)}}`;
  } else {
    // A caller that skipped parsePublicJwk must not get a thumbprint of half a key.
    throw invalidJwk('a thumbprint is taken of an OKP or EC public JWK');
  }
  return hash('sha256', json, 'base64url');
}

/**
 * A public Ed25519 or P-256 JWK, with only its key members kept.
 * @throws VerificationError `ERR_DPOP_INVALID` (claim `jwk`) for a private member, another key type or curve,
 * or coordinates of the wrong length or off the curve.
 */
export function parsePublicJwk(value: unknown): PublicJwk {
  if (!isRecord(value)) throw invalidJwk('jwk must be a JSON object');
  if (PRIVATE_MEMBERS.some((name) => value[name] !== undefined)) throw invalidJwk('jwk must not contain private key material');
  if (value.kty === 'OKP') {
    if (value.crv !== 'Ed25519') throw invalidJwk('an OKP jwk must be on Ed25519');
    if (decodedLength(value.x) !== 32) throw invalidJwk('an Ed25519 jwk x must be 32 bytes of base64url');
    return { kty: 'OKP', crv: 'Ed25519', x: value.x as string };
  }
  if (value.kty === 'EC') {
    if (value.crv !== 'P-256') throw invalidJwk('an EC jwk must be on P-256');
    if (decodedLength(value.x) !== 32 || decodedLength(value.y) !== 32) throw invalidJwk('a P-256 jwk x and y must be 32 bytes of base64url each');
    const jwk: PublicJwk = { kty: 'EC', crv: 'P-256', x: value.x as string, y: value.y as string };
    // Importing checks that the point is on the curve: an invalid point must not get as far as a signature check.
    if (importPublicJwk(jwk) === undefined) throw invalidJwk('the P-256 jwk is not a point on the curve');
    return jwk;
  }
  throw invalidJwk('jwk must be an OKP (Ed25519) or EC (P-256) key');
}

/**
 * The public JWK of a raw Ed25519 key.
 * @throws RangeError unless the key is 32 bytes.
 */
export function ed25519PublicJwk(publicKey: Uint8Array): PublicJwk {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return { kty: 'OKP', crv: 'Ed25519', x: encodeBase64url(publicKey) };
}

// Imported P-256 keys by thumbprint: importing costs more than verifying.
const ecKeys = new TtlCache<string, KeyObject>({ maxEntries: 4096, ttlMs: 10 * 60 * 1000 });

/**
 * @internal The `node:crypto` key of a parsed public JWK (cached), or
 * undefined when `node:crypto` refuses it.
 */
export function importPublicJwk(jwk: PublicJwk): KeyObject | undefined {
  try {
    if (jwk.kty === 'OKP') return publicKeyObject(new Uint8Array(Buffer.from(jwk.x, 'base64url')));
    const id = jwkThumbprint(jwk);
    let key = ecKeys.get(id);
    if (key === undefined) {
      key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
      ecKeys.set(id, key);
    }
    return key;
  } catch {
    return undefined;
  }
}
