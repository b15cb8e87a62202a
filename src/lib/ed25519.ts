/**
 * @module lib/ed25519
 *
 * Ed25519 primitives, all on `node:crypto` (OpenSSL): key generation
 * (through lib/generate-key, which says why) and public-key derivation (no
 * curve library loaded when a node opens, #14),
 * signing, and the hot verification path, about 14x faster than pure-JS
 * verification (see DESIGN.md, Performance),
 * with public keys imported once and cached. Internal: raw private keys never
 * leave `src/lib` and `src/keys`.
 */

import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { encodeBase64url } from './base64url.js';
import { generateKeyDer } from './generate-key.js';
import { TtlCache } from './ttl-cache.js';

export interface Ed25519KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** PKCS#8 DER of an Ed25519 private key, up to its 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** SPKI DER of an Ed25519 public key, up to its 32 bytes (RFC 8410). */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The 32 bytes after `prefix` in `der`, copied; throws unless `der` is exactly the prefix and 32 bytes. */
function rawAfter(der: Buffer, prefix: Buffer, what: string): Uint8Array {
  if (der.length !== prefix.length + 32 || !der.subarray(0, prefix.length).equals(prefix)) throw new Error(`an Ed25519 ${what} is not in the expected DER form`);
  return new Uint8Array(der.subarray(prefix.length));
}

export function generateEd25519(): Ed25519KeyPair {
  const { pkcs8, spki } = generateKeyDer({ type: 'ed25519' });
  try {
    return { secretKey: rawAfter(pkcs8, PKCS8_ED25519_PREFIX, 'private key'), publicKey: rawAfter(spki, SPKI_ED25519_PREFIX, 'public key') };
  } finally {
    pkcs8.fill(0);
  }
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== 32) throw new RangeError(`an Ed25519 secret key is 32 bytes, not ${secretKey.length}`);
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, secretKey]);
  try {
    const spki = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
    return rawAfter(spki, SPKI_ED25519_PREFIX, 'public key');
  } finally {
    der.fill(0);
  }
}

export function privateKeyObject(secretKey: Uint8Array, publicKey: Uint8Array): KeyObject {
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: encodeBase64url(secretKey), x: encodeBase64url(publicKey) },
    format: 'jwk',
  });
}

export function signEd25519(key: KeyObject, data: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, data, key));
}

// Imported public keys, by their base64url form; importing costs more than verifying.
const publicKeys = new TtlCache<string, KeyObject>({ maxEntries: 4096, ttlMs: 60 * 60 * 1000 });

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const x = encodeBase64url(publicKey);
  let key = publicKeys.get(x);
  if (key === undefined) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    publicKeys.set(x, key);
  }
  return key;
}

/** Verifies an Ed25519 signature by an imported key; false for a missing key or a malformed signature. */
export function verifyEd25519Key(key: KeyObject | undefined, data: Uint8Array, signature: Uint8Array): boolean {
  if (key === undefined || signature.length !== 64) return false;
  try {
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

/** Verifies an Ed25519 signature; false for any malformed key or signature. */
export function verifyEd25519(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return verify(null, data, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}
