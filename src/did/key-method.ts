/**
 * @module did/key-method
 *
 * did:key for the resolver, offline through key-did-resolver: a fingerprint
 * is checked before key-did-resolver sees it (one DID per key), and an
 * Ed25519 did:key resolves to exactly the document of the W3C CCG did:key
 * test vectors. Internal.
 */

import type { DIDDocument, DIDResolver, VerificationMethod } from 'did-resolver';
import { getResolver as getKeyResolver } from 'key-did-resolver';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { multibaseToEd25519 } from '../lib/multikey.js';
import { DID_JSON, failure, success } from './resolution.js';

/**
 * `@context` of an Ed25519 did:key document as the W3C CCG did:key test
 * vectors give it (Ed25519VerificationKey2018 and X25519KeyAgreementKey2019).
 */
const ED25519_DID_KEY_CONTEXT = [
  'https://www.w3.org/ns/did/v1',
  'https://w3id.org/security/suites/ed25519-2018/v1',
  'https://w3id.org/security/suites/x25519-2019/v1',
];

type Ed25519Check = 'ed25519' | 'other' | 'invalid';

/**
 * Classifies a did:key fingerprint before key-did-resolver sees it. An
 * Ed25519 fingerprint (multicodec 0xed) must be the canonical 34-byte
 * `0xed 0x01 ‖ key` of a valid curve point; key-did-resolver would otherwise
 * accept a non-minimal varint, i.e. a second DID for the same key.
 */
function classifyDidKey(fingerprint: string): Ed25519Check {
  if (!fingerprint.startsWith('z') || fingerprint.length > 256) return 'invalid';
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(fingerprint.slice(1));
  } catch {
    return 'invalid';
  }
  if (bytes[0] !== 0xed) return 'other';
  const key = multibaseToEd25519(fingerprint);
  if (key === undefined) return 'invalid';
  try {
    ed25519.Point.fromBytes(key);
  } catch {
    return 'invalid';
  }
  return 'ed25519';
}

/**
 * key-did-resolver embeds the X25519 key-agreement method under
 * `keyAgreement`; the CCG vectors list it in `verificationMethod` and refer to
 * it by id, with a fuller `@context`. Same content, the vectors' shape.
 */
function toVectorShape(doc: DIDDocument): DIDDocument {
  const agreement = doc.keyAgreement ?? [];
  const embedded = agreement.filter((entry): entry is VerificationMethod => typeof entry !== 'string');
  return {
    '@context': [...ED25519_DID_KEY_CONTEXT],
    ...doc,
    verificationMethod: [...(doc.verificationMethod ?? []), ...embedded],
    keyAgreement: agreement.map((entry) => (typeof entry === 'string' ? entry : entry.id)),
  };
}

/** The did:key method for did-resolver's `Resolver`. */
export function didKeyMethod(): DIDResolver {
  const keyResolver = getKeyResolver().key;
  if (keyResolver === undefined) throw new Error('key-did-resolver registers no did:key method');
  return async (did, parsed, resolver) => {
    const kind = classifyDidKey(parsed.id);
    if (kind === 'invalid') return failure('invalidDid', 'not a valid did:key: bad multibase key encoding');
    // Always ask for plain JSON: the vectors' shape, whatever the caller's options.
    const result = await keyResolver(did, parsed, resolver, { accept: DID_JSON });
    if (result.didResolutionMetadata.error !== undefined || result.didDocument === null) {
      // key-did-resolver's messages echo the input; report our own.
      return failure('invalidDid', 'not a valid did:key: unsupported or invalid public key');
    }
    return success(kind === 'ed25519' ? toVectorShape(result.didDocument) : result.didDocument);
  };
}
