/**
 * @module lib/multikey
 *
 * Ed25519 public key encodings used in DID documents: Multikey
 * `publicKeyMultibase` (`z` + base58btc of multicodec 0xed01 + key),
 * `publicKeyBase58` (Ed25519VerificationKey2018) and `publicKeyJwk`
 * (OKP/Ed25519). Internal.
 */

import { base58 } from '@scure/base';
import { decodeBase64url, encodeBase64url } from './base64url.js';
import { isRecord } from './assert.js';

const ED25519_PUB_PREFIX = Uint8Array.of(0xed, 0x01);

/** `z6Mk…` multibase of an Ed25519 public key. */
export function ed25519ToMultibase(publicKey: Uint8Array): string {
  const bytes = new Uint8Array(34);
  bytes.set(ED25519_PUB_PREFIX, 0);
  bytes.set(publicKey, 2);
  return `z${base58.encode(bytes)}`;
}

/** The raw Ed25519 key of a `z6Mk…` multibase string, or undefined. */
export function multibaseToEd25519(multibase: string): Uint8Array | undefined {
  if (!multibase.startsWith('z') || multibase.length > 64) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(multibase.slice(1));
  } catch {
    return undefined;
  }
  if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) return undefined;
  return bytes.slice(2);
}

export function ed25519ToJwk(publicKey: Uint8Array): { kty: 'OKP'; crv: 'Ed25519'; x: string } {
  return { kty: 'OKP', crv: 'Ed25519', x: encodeBase64url(publicKey) };
}

/**
 * The raw Ed25519 public key of a DID document verification method, in any of
 * the three encodings, or undefined when the method holds no Ed25519 key.
 */
export function ed25519FromVerificationMethod(method: unknown): Uint8Array | undefined {
  if (!isRecord(method)) return undefined;
  const { type, publicKeyMultibase, publicKeyBase58, publicKeyJwk } = method;
  let key: Uint8Array | undefined;
  if ((type === 'Multikey' || type === 'Ed25519VerificationKey2020') && typeof publicKeyMultibase === 'string') {
    key = multibaseToEd25519(publicKeyMultibase);
  } else if (type === 'Ed25519VerificationKey2018' && typeof publicKeyBase58 === 'string') {
    try {
      key = base58.decode(publicKeyBase58);
    } catch {
      return undefined;
    }
  } else if ((type === 'JsonWebKey2020' || type === 'JsonWebKey') && isRecord(publicKeyJwk)) {
    if (publicKeyJwk.kty === 'OKP' && publicKeyJwk.crv === 'Ed25519' && typeof publicKeyJwk.x === 'string') {
      key = decodeBase64url(publicKeyJwk.x);
    }
  }
  return key?.length === 32 ? key : undefined;
}
