/**
 * @module lib/ed25519
 *
 * Ed25519 primitives. Key generation uses @noble/curves (audited, works on
 * every runtime); signing and the hot verification path use `node:crypto`,
 * about 14x faster than pure-JS verification (see DESIGN.md, Performance),
 * with public keys imported once and cached. Internal: raw private keys never
 * leave `src/lib` and `src/keys`.
 */

import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { encodeBase64url } from './base64url.js';
import { TtlCache } from './ttl-cache.js';

export interface Ed25519KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function generateEd25519(): Ed25519KeyPair {
  const secretKey = ed25519.utils.randomSecretKey();
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(secretKey);
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
