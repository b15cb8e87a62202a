/**
 * @module data-integrity/create-proof
 *
 * Adds an `eddsa-rdfc-2022` Data Integrity proof to a JSON-LD document (W3C
 * Data Integrity EdDSA Cryptosuites v1.0 §3.3.1 Create Proof): the proof
 * configuration and the document are canonicalized offline (RDFC-1.0, safe
 * mode), hashed, and the joined hashes signed with Ed25519 through a Signer;
 * `proofValue` is the signature in multibase base58btc.
 */

import { base58 } from '@scure/base';
import { legateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import { isRecord } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { isoSeconds, systemClock } from '../lib/clock.js';
import { boundedDocument, signingInput, type CanonicalHashes, type ExtraContexts } from './canonicalize.js';
import {
  DATA_INTEGRITY_PROOF_TYPE,
  EDDSA_RDFC_2022,
  PROOF_PURPOSES,
  type DataIntegrityProof,
  type DataIntegritySecured,
  type ProofPurpose,
} from './types.js';

export interface CreateProofOptions {
  /** Signs with one Ed25519 key; its `kid` (a DID URL) becomes `verificationMethod`. */
  signer: Signer;
  /** Default `assertionMethod`, as credentials need. */
  proofPurpose?: ProofPurpose | undefined;
  /** Default: the clock's now. */
  created?: Date | undefined;
  /** When the proof stops being valid; none by default. */
  expires?: Date | undefined;
  clock?: Clock | undefined;
  /** Contexts beyond the built-in ones (still offline). */
  contexts?: ExtraContexts | undefined;
  /** Longest document accepted, in characters of JSON. Default 64 KiB. */
  maxLength?: number | undefined;
  /** Canonical hashes to remember (`createCanonicalHashes`), so the signer's own verification reuses them; none by default. */
  hashes?: CanonicalHashes | undefined;
}

/**
 * Returns a copy of `document` with a `proof`.
 *
 * @throws InputError `ERR_INVALID_ARGUMENT` for a document that already has a
 * proof, a bad purpose or `expires` not after `created`; `ERR_MALFORMED` for a
 * document that cannot be canonicalized (unknown context, undefined term);
 * `ERR_INPUT_TOO_LARGE` over the size or depth bounds.
 *
 * @example
 * ```ts
 * const secured = await createProof(credential, { signer: acme.signer });
 * secured.proof.proofValue; // 'z…'
 * ```
 */
export async function createProof<T extends Record<string, unknown>>(
  document: T,
  options: CreateProofOptions,
): Promise<DataIntegritySecured<T>> {
  if (!isRecord(document)) throw new TypeError('document must be an object');
  if ('proof' in document) {
    throw legateError('ERR_INVALID_ARGUMENT', 'the document already has a proof; proof sets are not supported', { claim: 'proof' });
  }
  const proofPurpose = options.proofPurpose ?? 'assertionMethod';
  if (!PROOF_PURPOSES.includes(proofPurpose)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'proofPurpose must be assertionMethod or authentication', { claim: 'proofPurpose' });
  }
  const created = options.created ?? (options.clock ?? systemClock)();
  if (options.expires !== undefined && options.expires.getTime() <= created.getTime()) {
    throw legateError('ERR_INVALID_ARGUMENT', 'expires must be after created', { claim: 'expires' });
  }
  // Sign exactly the JSON that will be transmitted: what survives serialization, within bounds.
  const unsecured = boundedDocument(document, 'document', options.maxLength);
  const config = {
    type: DATA_INTEGRITY_PROOF_TYPE,
    cryptosuite: EDDSA_RDFC_2022,
    created: isoSeconds(created),
    ...(options.expires === undefined ? {} : { expires: isoSeconds(options.expires) }),
    verificationMethod: options.signer.kid,
    proofPurpose,
  } as const;
  const hashData = await signingInput(unsecured, config, { contexts: options.contexts, hashes: options.hashes });
  const signature = await options.signer.sign(hashData);
  const proof: DataIntegrityProof = { ...config, proofValue: `z${base58.encode(signature)}` };
  return { ...(unsecured as T), proof };
}
