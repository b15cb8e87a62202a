/**
 * @module data-integrity
 *
 * Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C VC Data
 * Integrity 1.0; Data Integrity EdDSA Cryptosuites v1.0 §3.3): JSON-LD
 * documents canonicalized with RDFC-1.0 through `jsonld` in safe mode, from
 * an offline document loader that holds every context Legate uses and never
 * fetches one. The second securing form of Legate credentials, beside
 * `vc+jwt`: `issueCapabilityCredential({ format: 'di' })` and every verifier
 * accept it. Loading this module loads `jsonld`; the JWT paths never do.
 */

export { createProof, type CreateProofOptions } from './create-proof.js';
export { verifyProof, type VerifyProofOptions, type ProofVerification } from './verify-proof.js';
export {
  canonicalize,
  checkDocument,
  createCanonicalHashes,
  proofHashData,
  DEFAULT_MAX_DOCUMENT_LENGTH,
  type CanonicalHashes,
  type CanonicalizeOptions,
  type ExtraContexts,
  type ProofHashData,
} from './canonicalize.js';
export * from './types.js';
