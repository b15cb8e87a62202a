/**
 * @module lib/generate-key
 *
 * Fresh key pairs from `node:crypto` that are safe to use and export.
 *
 * Node 20 (seen on 20.20.2) can deadlock on a key made by `generateKeyPair`
 * or `generateKeyPairSync`: the job that made it is left as garbage, and its
 * destructor takes the key's lock. A JWK export of that key holds the lock
 * while it allocates the JWK's strings; when that allocation runs the garbage
 * collector and the collector frees the job, the thread waits for a lock it
 * holds itself, for ever (a CI run and a test worker here hung so:
 * `ExportJWKEdKey` → GC → `~KeyGenJob` → `uv_mutex_lock`). A DER export does
 * not: under a 1 MB young generation, generating and exporting a key as a JWK
 * hung in 4 runs of 4 (after 1,250 to 10,750 rounds), as DER it did not in
 * 400,000. So keys are made here only: generated, exported as DER and, where
 * key objects are wanted, imported again, so that nothing returned shares the
 * job's lock. An ESLint rule keeps `generateKeyPair*` out of every other
 * file. Internal.
 */

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** The kinds of key made here: Ed25519 for identities, P-256 for DPoP, the rest for tests that need a stranger's key. */
export type KeyKind = { type: 'ed25519' } | { type: 'ec'; namedCurve: 'P-256' | 'P-384' } | { type: 'rsa'; modulusLength: number };

function generate(kind: KeyKind): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (kind.type) {
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: kind.namedCurve });
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: kind.modulusLength });
  }
}

/** A fresh key pair as PKCS#8 DER (private; the caller zeroes it) and SPKI DER (public). */
export function generateKeyDer(kind: KeyKind): { pkcs8: Buffer; spki: Buffer } {
  const { privateKey, publicKey } = generate(kind);
  return { pkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }), spki: publicKey.export({ format: 'der', type: 'spki' }) };
}

/** A fresh key pair as key objects imported from its DER, sharing nothing with the job that made it. */
export function generateKeyObjects(kind: KeyKind): { privateKey: KeyObject; publicKey: KeyObject } {
  const { pkcs8, spki } = generateKeyDer(kind);
  try {
    return { privateKey: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }), publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }) };
  } finally {
    pkcs8.fill(0);
  }
}
