/**
 * WebCrypto key pairs for the interop tests whose peers take `CryptoKey`s
 * (oauth4webapi), imported from DER made by src/lib/generate-key rather than
 * made by `subtle.generateKey`: a generated key can deadlock its JWK export
 * on Node 20 (that module says how), and these peers export the public half
 * as a JWK for every DPoP proof.
 */

import { webcrypto } from 'node:crypto';
import { generateKeyDer } from '../../src/lib/generate-key.js';

export type WebCryptoAlgorithm = { name: 'ECDSA'; namedCurve: 'P-256' } | { name: 'Ed25519' };

/** A fresh key pair, the private key not extractable, as a browser or Node client holds one. */
export async function webCryptoKeyPair(algorithm: WebCryptoAlgorithm): Promise<webcrypto.CryptoKeyPair> {
  const { pkcs8, spki } = generateKeyDer(algorithm.name === 'Ed25519' ? { type: 'ed25519' } : { type: 'ec', namedCurve: 'P-256' });
  try {
    return {
      privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']),
      publicKey: await webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']),
    };
  } finally {
    pkcs8.fill(0);
  }
}
