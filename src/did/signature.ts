/**
 * @module did/signature
 *
 * The one check every Legate token shares: a compact JWS whose `kid` is a
 * verification method of a given DID, listed under the expected relationship
 * (`assertionMethod` for credentials, lists, sessions and checkpoints;
 * `authentication` for presentations, ACE messages and actions), holding an
 * Ed25519 key that verifies the signature. Data Integrity proofs share it,
 * their `verificationMethod` in the place of the `kid`. Lookups never throw:
 * each failure comes back as the error that names it.
 */

import { legateError, type LegateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { verifyEd25519Key } from '../lib/ed25519.js';
import type { DecodedJws } from '../lib/jws.js';
import type { SignatureMemo } from '../lib/signature-memo.js';
import { DEACTIVATED, keyFromDocument, lookupVerificationKey, type KeyResolvable } from './verification-key.js';

/** A signature by a deactivated DID (a retired agent): nothing it signs verifies any more. */
const deactivated = (party: string, claim: string) => legateError('ERR_DID_DEACTIVATED', `the ${party} DID is deactivated`, { claim, reason: 'deactivated' });

export interface DidSignatureCheck {
  /** The DID that must have signed; undefined when the token names none. */
  did: string | undefined;
  relationship: 'assertionMethod' | 'authentication';
  /** Who the DID is, for messages: `issuer`, `holder`, `sender`… */
  party: string;
  /** The claim reported when the DID cannot be resolved: `issuer`, `iss`, `holder`… */
  didClaim: string;
  /** What was signed, for the signature message: `signature`, `presentation signature`… */
  what: string;
  /** The claims errors name: default `kid` and `signature` (a Data Integrity proof says `verificationMethod` and `proofValue`). */
  claims?: { kid: string; signature: string };
  /**
   * When the token names no key, try each Ed25519 key of the DID under the
   * relationship (at most eight), as did-jwt does: VCDM 1.1 JWTs from
   * did-jwt-vc and Veramo carry no `kid`. Default false: a `kid` is required.
   */
  kidOptional?: boolean;
  /** Signatures this verifier already found valid: the same bytes by the same key are not verified again (the key is still looked up). */
  memo?: SignatureMemo | undefined;
}

/** At most this many keys are tried for a token that names none. */
const MAX_KEYS_TRIED = 8;

/** What the check reads of a signed thing: the key reference (`header.kid`), the signed bytes and the signature. */
export type SignedBytes = Pick<DecodedJws, 'signingInput' | 'signature'> & { header: { kid?: unknown } };

export interface DidSignature {
  errors: LegateError[];
  /** The verifying key, when the signature verified. */
  key?: { kid: string; publicKey: Uint8Array };
}

/**
 * Verifies `decoded`'s signature by a key of `check.did`.
 *
 * @example
 * ```ts
 * const { errors } = await didSignature(decodeCompactJws(jwt), resolver,
 *   { did: issuer, relationship: 'assertionMethod', party: 'issuer', didClaim: 'issuer', what: 'signature' });
 * ```
 */
export async function didSignature(decoded: SignedBytes, resolver: KeyResolvable, check: DidSignatureCheck): Promise<DidSignature> {
  const { did, party } = check;
  const claims = check.claims ?? { kid: 'kid', signature: 'signature' };
  const kid = decoded.header.kid;
  if (kid === undefined && check.kidOptional === true && did !== undefined) return anyKeySignature(decoded, resolver, { ...check, did }, claims);
  if (did === undefined || typeof kid !== 'string' || !kid.startsWith(`${did}#`)) {
    return { errors: [legateError('ERR_KID_INVALID', `${claims.kid} must be a verification method of the ${party}`, { claim: claims.kid })] };
  }
  // The key, imported once per verification method: the resolver's cache keeps it with the document.
  const found = await lookupVerificationKey(resolver, did, kid, check.relationship);
  if ('unresolved' in found) {
    const reason = found.unresolved;
    if (reason === DEACTIVATED) return { errors: [deactivated(party, check.didClaim)] };
    return {
      errors: [legateError('ERR_DID_UNRESOLVABLE', `${party} DID could not be resolved (${reason ?? 'no document'})`, { claim: check.didClaim, reason })],
    };
  }
  if (found.key === undefined) {
    const kind = check.relationship === 'assertionMethod' ? 'assertion' : 'authentication';
    return { errors: [legateError('ERR_KID_INVALID', `${claims.kid} is not an Ed25519 ${kind} key of the ${party}`, { claim: claims.kid })] };
  }
  const { key } = found;
  const verify = () => verifyEd25519Key(key.key, decoded.signingInput, decoded.signature);
  if (!(check.memo === undefined ? verify() : check.memo.verifyDecoded(key.publicKey, decoded, verify))) {
    return { errors: [legateError('ERR_SIGNATURE_INVALID', `${check.what} does not verify`, { claim: claims.signature })] };
  }
  return { errors: [], key: { kid, publicKey: found.key.publicKey } };
}

/**
 * {@link didSignature} for a token that names no key: the first Ed25519 key
 * listed under the relationship in the DID's document (at most eight tried)
 * that verifies it.
 */
async function anyKeySignature(
  decoded: SignedBytes,
  resolver: KeyResolvable,
  check: DidSignatureCheck & { did: string },
  claims: { kid: string; signature: string },
): Promise<DidSignature> {
  const { did, party, relationship } = check;
  const resolution = await resolver.resolve(did);
  const reason = resolution.didResolutionMetadata.error;
  const doc = resolution.didDocument;
  if (doc === null || reason !== undefined) {
    return {
      errors: [legateError('ERR_DID_UNRESOLVABLE', `${party} DID could not be resolved (${reason ?? 'no document'})`, { claim: check.didClaim, reason })],
    };
  }
  if (resolution.didDocumentMetadata?.deactivated === true) return { errors: [deactivated(party, check.didClaim)] };
  const listed: unknown = doc[relationship];
  const ids = (Array.isArray(listed) ? (listed as unknown[]) : [])
    .map((entry) => (typeof entry === 'string' ? entry : isRecord(entry) && typeof entry.id === 'string' ? entry.id : undefined))
    .filter((id): id is string => id !== undefined)
    .slice(0, MAX_KEYS_TRIED);
  let keys = 0;
  for (const id of ids) {
    const key = keyFromDocument(doc, id, relationship);
    if (key === undefined) continue;
    keys++;
    if (verifyEd25519Key(key.key, decoded.signingInput, decoded.signature)) return { errors: [], key: { kid: id.startsWith('#') ? `${did}${id}` : id, publicKey: key.publicKey } };
  }
  if (keys === 0) {
    const kind = relationship === 'assertionMethod' ? 'assertion' : 'authentication';
    return { errors: [legateError('ERR_KID_INVALID', `the ${party} has no Ed25519 ${kind} key`, { claim: claims.kid })] };
  }
  return { errors: [legateError('ERR_SIGNATURE_INVALID', `${check.what} does not verify`, { claim: claims.signature })] };
}
