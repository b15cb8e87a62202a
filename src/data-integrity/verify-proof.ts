/**
 * @module data-integrity/verify-proof
 *
 * Verifies an `eddsa-rdfc-2022` Data Integrity proof (W3C Data Integrity
 * EdDSA Cryptosuites v1.0 §3.3.2 Verify Proof; VC Data Integrity 1.0 §4.3):
 * one `DataIntegrityProof` of that cryptosuite, for the expected purpose;
 * `created` not in the future and `expires` not passed (with skew); the
 * `verificationMethod` a DID URL of the expected controller, listed in its
 * DID document under the relationship the purpose names (`assertionMethod`
 * or `authentication`), holding an Ed25519 key (Multikey, did:key,
 * Ed25519VerificationKey2018/2020 or JWK); and the signature over the
 * canonical hashes. Every failed check is reported; nothing throws for a
 * bad document.
 */

import type { KeyResolvable } from '../did/verification-key.js';
import { base58 } from '@scure/base';
import { LegateError, legateError } from '../errors/index.js';
import { didSignature } from '../did/signature.js';
import { isRecord } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { boundedDocument, signingInput, type CanonicalHashes, type ExtraContexts } from './canonicalize.js';
import { DATA_INTEGRITY_PROOF_TYPE, EDDSA_RDFC_2022, type DataIntegrityProof, type ProofPurpose } from './types.js';

export interface VerifyProofOptions {
  /** Resolves the DID of the verification method. */
  resolver: KeyResolvable;
  /**
   * Whose key must have made the proof: `did` (undefined when the document
   * names none, which fails) and who that is in messages (`issuer`…).
   * Without it, any DID's key may sign, as long as its document lists it.
   */
  controller?: { did: string | undefined; party: string } | undefined;
  /** The purpose the proof must state. Default `assertionMethod`. */
  proofPurpose?: ProofPurpose | undefined;
  clock?: Clock | undefined;
  /** Tolerated clock difference for `created` / `expires`, in seconds. Default 60. */
  skewSeconds?: number | undefined;
  /** Longest document accepted, in characters of JSON. Default 64 KiB. */
  maxLength?: number | undefined;
  /** Contexts beyond the built-in ones (still offline). */
  contexts?: ExtraContexts | undefined;
  /** Most JSON values the document may hold (bounds canonicalization work). Default 4,096. */
  maxNodes?: number | undefined;
  /** Canonical hashes to remember and reuse (`createCanonicalHashes`); none by default. */
  hashes?: CanonicalHashes | undefined;
}

export interface ProofVerification {
  /** True only when every check passed. */
  verified: boolean;
  /** Every failed check, each with its stable code. */
  errors: LegateError[];
  /** The document without its proof, when it could be read (present even when unverified). */
  document?: Record<string, unknown>;
  /** The proof, when present and an object. */
  proof?: DataIntegrityProof;
}

const DEFAULT_SKEW_SECONDS = 60;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const malformed = (message: string, claim: string) => legateError('ERR_MALFORMED', message, { claim });

function dateOf(value: unknown): number {
  return typeof value === 'string' && value.length <= 64 && DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
}

function timeErrors(proof: Record<string, unknown>, now: number, skewMs: number): LegateError[] {
  const errors: LegateError[] = [];
  if (proof.created !== undefined) {
    const created = dateOf(proof.created);
    if (Number.isNaN(created)) errors.push(malformed('proof created is not a date-time', 'proof.created'));
    else if (created - skewMs > now) errors.push(legateError('ERR_NOT_YET_VALID', 'the proof is dated in the future', { claim: 'proof.created' }));
  }
  if (proof.expires !== undefined) {
    const expires = dateOf(proof.expires);
    if (Number.isNaN(expires)) errors.push(malformed('proof expires is not a date-time', 'proof.expires'));
    else if (expires + skewMs < now) errors.push(legateError('ERR_EXPIRED', `the proof expired at ${proof.expires as string}`, { claim: 'proof.expires' }));
  }
  return errors;
}

/** A value for a message, short; a missing one (which JSON.stringify cannot show) as `none`. */
function shown(value: unknown): string {
  return value === undefined ? 'none' : JSON.stringify(value).slice(0, 48);
}

/** Checks that make the signature meaningless when they fail: suite, purpose, key reference, encoding, contexts. */
function proofErrors(proof: Record<string, unknown>, document: Record<string, unknown>, purpose: ProofPurpose): LegateError[] {
  const errors: LegateError[] = [];
  if (proof.type !== DATA_INTEGRITY_PROOF_TYPE) {
    errors.push(legateError('ERR_ALG_NOT_ALLOWED', `proof type ${shown(proof.type)} is not allowed; only DataIntegrityProof`, { claim: 'proof.type' }));
  } else if (proof.cryptosuite !== EDDSA_RDFC_2022) {
    errors.push(legateError('ERR_ALG_NOT_ALLOWED', `cryptosuite ${shown(proof.cryptosuite)} is not allowed; only eddsa-rdfc-2022`, { claim: 'proof.cryptosuite' }));
  }
  if (proof.proofPurpose !== purpose) {
    // The purpose names the verification relationship the key must hold: the proof binds its key to another one.
    errors.push(legateError('ERR_KID_INVALID', `proofPurpose must be ${purpose}`, { claim: 'proof.proofPurpose', reason: 'proof-purpose' }));
  }
  if (typeof proof.verificationMethod !== 'string' || !/^did:[a-z0-9]+:[^#\s]+#\S+$/.test(proof.verificationMethod)) {
    errors.push(legateError('ERR_KID_INVALID', 'proof verificationMethod must be a DID URL', { claim: 'proof.verificationMethod' }));
  }
  if (typeof proof.proofValue !== 'string' || !proof.proofValue.startsWith('z') || proof.proofValue.length > 128) {
    errors.push(malformed('proofValue must be multibase base58btc (z…)', 'proof.proofValue'));
  }
  if ('@context' in proof && JSON.stringify(proof['@context']) !== JSON.stringify(document['@context'])) {
    errors.push(malformed('a proof @context must equal the document @context', 'proof.@context'));
  }
  return errors;
}

function signatureBytes(proofValue: string): Uint8Array | undefined {
  try {
    return base58.decode(proofValue.slice(1));
  } catch {
    return undefined;
  }
}

/** The DID of a DID URL. */
function didOf(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

/**
 * Verifies the proof of a secured document, given as an object or as its
 * JSON text. Never throws for a bad document: every failed check is in
 * `errors` with its code.
 *
 * @example
 * ```ts
 * const result = await verifyProof(secured, { resolver, controller: { did: issuer, party: 'issuer' } });
 * if (!result.verified) console.log(result.errors.map((e) => e.code));
 * ```
 */
export async function verifyProof(secured: unknown, options: VerifyProofOptions): Promise<ProofVerification> {
  let input: Record<string, unknown>;
  try {
    input = boundedDocument(secured, 'document', options.maxLength);
  } catch (error) {
    if (error instanceof LegateError) return { verified: false, errors: [error] };
    throw error;
  }
  return verifyBoundedProof(input, options);
}

/** @internal {@link verifyProof} of a document already read through `boundedDocument` (not read again). */
export async function verifyBoundedProof(input: Record<string, unknown>, options: VerifyProofOptions): Promise<ProofVerification> {
  const { proof, ...document } = input;
  if (!isRecord(proof)) {
    const message = Array.isArray(proof) ? 'proof sets and chains are not supported: exactly one proof' : 'the document has no proof';
    return { verified: false, errors: [malformed(message, 'proof')], document };
  }
  const purpose = options.proofPurpose ?? 'assertionMethod';
  const structural = proofErrors(proof, document, purpose);
  const now = (options.clock ?? systemClock)().getTime();
  const errors = [...structural, ...timeErrors(proof, now, (options.skewSeconds ?? DEFAULT_SKEW_SECONDS) * 1000)];
  const result = (): ProofVerification => ({ verified: errors.length === 0, errors, document, proof: proof as unknown as DataIntegrityProof });
  if (structural.length > 0) return result();

  const verificationMethod = proof.verificationMethod as string;
  let hashData: Uint8Array;
  try {
    hashData = await signingInput(document, proof, {
      ...(options.contexts === undefined ? {} : { contexts: options.contexts }),
      ...(options.maxNodes === undefined ? {} : { maxNodes: options.maxNodes }),
      hashes: options.hashes,
    });
  } catch (error) {
    if (!(error instanceof LegateError)) throw error;
    errors.push(error);
    return result();
  }
  const signature = signatureBytes(proof.proofValue as string);
  if (signature === undefined) {
    errors.push(malformed('proofValue is not base58btc', 'proof.proofValue'));
    return result();
  }
  const controller = options.controller ?? { did: didOf(verificationMethod), party: 'controller' };
  const check = {
    did: controller.did,
    relationship: purpose,
    party: controller.party,
    didClaim: controller.party,
    what: 'Data Integrity proof',
    claims: { kid: 'proof.verificationMethod', signature: 'proof.proofValue' },
  };
  const signed = await didSignature({ header: { kid: verificationMethod }, signingInput: hashData, signature }, options.resolver, check);
  errors.push(...signed.errors);
  return result();
}
