/**
 * @module did/methods/key
 *
 * Legate's own did:key driver, offline: an Ed25519 did:key resolves to
 * exactly the document of the W3C CCG did:key test vectors (with the derived
 * X25519 key-agreement method), a secp256k1 did:key to the one-method document
 * key-did-resolver gave. Written here rather than depending on
 * key-did-resolver, which pulled in a second `@noble/curves` (1.x), multiformats
 * and uint8arrays at start for what is a few lines of encoding. Internal.
 */

import type { DIDDocument, VerificationMethod } from 'did-resolver';
import { base58 } from '@scure/base';
import type { ed25519 as Ed25519Curve } from '@noble/curves/ed25519.js';
import { multibaseToEd25519 } from '../../lib/multikey.js';
import { failure, success } from '../resolution.js';
import type { DidMethodDriver } from './driver.js';

type Ed25519 = typeof Ed25519Curve;

/**
 * `@context` of an Ed25519 did:key document as the W3C CCG did:key test
 * vectors give it (Ed25519VerificationKey2018 and X25519KeyAgreementKey2019).
 */
const ED25519_DID_KEY_CONTEXT = [
  'https://www.w3.org/ns/did/v1',
  'https://w3id.org/security/suites/ed25519-2018/v1',
  'https://w3id.org/security/suites/x25519-2019/v1',
];

/** Multicodec x25519-pub (0xec) as its two-byte varint. */
const X25519_PUB_PREFIX = Uint8Array.of(0xec, 0x01);

/** Multicodec secp256k1-pub (0xe7) as its two-byte varint. */
const SECP256K1_PUB_PREFIX = Uint8Array.of(0xe7, 0x01);

/** Longer than any key this driver knows; refused before decoding. */
const MAX_FINGERPRINT_LENGTH = 256;

/** The two DID Resolution failures a did:key can end in. */
const BAD_ENCODING = 'not a valid did:key: bad multibase key encoding';
const BAD_KEY = 'not a valid did:key: unsupported or invalid public key';

/** The base58btc-decoded multicodec key of a `z…` fingerprint, or undefined. */
function decodeFingerprint(fingerprint: string): Uint8Array | undefined {
  if (!fingerprint.startsWith('z') || fingerprint.length > MAX_FINGERPRINT_LENGTH) return undefined;
  try {
    const bytes = base58.decode(fingerprint.slice(1));
    return bytes.length === 0 ? undefined : bytes;
  } catch {
    return undefined;
  }
}

/** The verification relationships every did:key method is listed under. */
function relationships(keyId: string): Pick<
  DIDDocument,
  'authentication' | 'assertionMethod' | 'capabilityDelegation' | 'capabilityInvocation'
> {
  return {
    authentication: [keyId],
    assertionMethod: [keyId],
    capabilityDelegation: [keyId],
    capabilityInvocation: [keyId],
  };
}

/**
 * The CCG vector document of an Ed25519 did:key. The X25519 key-agreement key
 * is the Montgomery form of the Ed25519 key (RFC 7748 birational map), named
 * by its own `z6LS…` fingerprint (multicodec 0xec01).
 */
function ed25519Document(ed25519: Ed25519, did: string, fingerprint: string, publicKey: Uint8Array): DIDDocument {
  const keyId = `${did}#${fingerprint}`;
  const x25519 = ed25519.utils.toMontgomery(publicKey);
  const agreementId = `${did}#z${base58.encode(Uint8Array.of(...X25519_PUB_PREFIX, ...x25519))}`;
  const verificationMethod: VerificationMethod[] = [
    { id: keyId, type: 'Ed25519VerificationKey2018', controller: did, publicKeyBase58: base58.encode(publicKey) },
    { id: agreementId, type: 'X25519KeyAgreementKey2019', controller: did, publicKeyBase58: base58.encode(x25519) },
  ];
  // Key order as in the vectors, so a serialised document matches them too.
  return {
    '@context': [...ED25519_DID_KEY_CONTEXT],
    id: did,
    verificationMethod,
    ...relationships(keyId),
    keyAgreement: [agreementId],
  };
}

/**
 * The document key-did-resolver gave a secp256k1 did:key: one
 * Secp256k1VerificationKey2018 method, no `@context`. Only the form of the
 * compressed point is checked (33 bytes, 0x02/0x03): proving it on the curve
 * would load secp256k1 arithmetic that nothing else in Legate needs, and
 * Legate verifies no secp256k1 signature.
 */
function secp256k1Document(did: string, fingerprint: string, publicKey: Uint8Array): DIDDocument | undefined {
  if (publicKey.length !== 33 || (publicKey[0] !== 0x02 && publicKey[0] !== 0x03)) return undefined;
  const keyId = `${did}#${fingerprint}`;
  return {
    id: did,
    verificationMethod: [
      { id: keyId, type: 'Secp256k1VerificationKey2018', controller: did, publicKeyBase58: base58.encode(publicKey) },
    ],
    ...relationships(keyId),
  };
}

/** An Ed25519 key that is a point on the curve, or undefined. */
function ed25519Point(ed25519: Ed25519, fingerprint: string): Uint8Array | undefined {
  // Exactly 0xed 0x01 ‖ 32 bytes: a non-minimal varint would be a second DID for one key.
  const key = multibaseToEd25519(fingerprint);
  if (key === undefined) return undefined;
  try {
    ed25519.Point.fromBytes(key);
  } catch {
    return undefined;
  }
  return key;
}

/**
 * The did:key driver: Ed25519 and secp256k1 keys, each in its one canonical
 * encoding; anything else is `invalidDid`. Offline, so it needs nothing.
 * Always plain JSON (`application/did+json`), whatever the caller asked for.
 */
export function didKeyDriver(): DidMethodDriver {
  return {
    method: 'key',
    resolve: async (parsed) => {
      const fingerprint = parsed.id;
      // Named from the fingerprint alone, as key-did-resolver did.
      const did = `did:key:${fingerprint}`;
      const bytes = decodeFingerprint(fingerprint);
      if (bytes === undefined) return failure('invalidDid', BAD_ENCODING);
      if (bytes[0] === 0xed) {
        // Curve arithmetic is loaded by the first did:key resolved, not with the resolver (#14).
        const { ed25519 } = await import('@noble/curves/ed25519.js');
        const key = ed25519Point(ed25519, fingerprint);
        if (key === undefined) return failure('invalidDid', BAD_ENCODING);
        return success(ed25519Document(ed25519, did, fingerprint, key));
      }
      if (bytes[0] === SECP256K1_PUB_PREFIX[0] && bytes[1] === SECP256K1_PUB_PREFIX[1]) {
        const doc = secp256k1Document(did, fingerprint, bytes.subarray(2));
        if (doc !== undefined) return success(doc);
      }
      return failure('invalidDid', BAD_KEY);
    },
  };
}
