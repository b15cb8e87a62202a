/**
 * @module did/key
 *
 * did:key identifiers for Ed25519 keys, the identifiers of ephemeral agents
 * and sub-agents (DESIGN.md, "Actors"). A did:key is `did:key:` followed by
 * the multibase fingerprint of the public key (`z` + base58btc of multicodec
 * `0xed01` + the 32-byte key, always starting `z6Mk`), and its single
 * verification method is `<did>#<fingerprint>` (did:key method spec, "Create"
 * and "Read"). Resolving a did:key to a document is done by
 * {@link createDidResolver} in `did/resolver`; these helpers only encode and
 * decode.
 */

import { legateError } from '../errors/index.js';
import { assertBytes } from '../lib/assert.js';
import { ed25519ToMultibase, multibaseToEd25519 } from '../lib/multikey.js';

const PREFIX = 'did:key:';
/** A multibase base58btc fingerprint of any key type; bounded well above the longest (P-521). */
const FINGERPRINT = /^z[1-9A-HJ-NP-Za-km-z]{1,200}$/;

/**
 * The did:key of an Ed25519 public key.
 *
 * @param publicKey - the raw 32-byte Ed25519 public key.
 * @throws TypeError / RangeError when `publicKey` is not 32 bytes.
 *
 * @example
 * ```ts
 * const did = didKeyFromPublicKey(ed25519.getPublicKey(seed)); // 'did:key:z6Mk…'
 * ```
 */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey', 32);
  return `${PREFIX}${ed25519ToMultibase(publicKey)}`;
}

/**
 * The id of a did:key's verification method: `<did>#<fingerprint>` (did:key
 * method spec, "Read": the key is its own fragment). Usable as a JWS `kid`.
 *
 * @throws InputError `ERR_INVALID_ARGUMENT` when `did` is not a bare did:key.
 *
 * @example
 * ```ts
 * didKeyVerificationMethodId('did:key:z6MkiTBz…'); // 'did:key:z6MkiTBz…#z6MkiTBz…'
 * ```
 */
export function didKeyVerificationMethodId(did: string): string {
  const fingerprint = typeof did === 'string' && did.startsWith(PREFIX) ? did.slice(PREFIX.length) : undefined;
  if (fingerprint === undefined || !FINGERPRINT.test(fingerprint)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'not a did:key (expected did:key:z…)', { claim: 'did' });
  }
  return `${did}#${fingerprint}`;
}

/**
 * The raw Ed25519 public key a did:key encodes, or undefined when `did` is not
 * a bare Ed25519 did:key (another key type, a DID URL with a fragment, a bad
 * encoding). Does not check that the key is a valid curve point.
 *
 * @example
 * ```ts
 * const key = publicKeyFromDidKey('did:key:z6Mk…'); // Uint8Array(32) | undefined
 * ```
 */
export function publicKeyFromDidKey(did: string): Uint8Array | undefined {
  if (typeof did !== 'string' || !did.startsWith(PREFIX)) return undefined;
  return multibaseToEd25519(did.slice(PREFIX.length));
}
