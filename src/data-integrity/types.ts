/**
 * @module data-integrity/types
 *
 * The shape of a Data Integrity proof (W3C VC Data Integrity 1.0 §2.1) as
 * the `eddsa-rdfc-2022` cryptosuite (W3C Data Integrity EdDSA Cryptosuites
 * v1.0 §3.3) writes it, and the names it uses.
 */

export const DATA_INTEGRITY_PROOF_TYPE = 'DataIntegrityProof';
export const EDDSA_RDFC_2022 = 'eddsa-rdfc-2022';

/** Why a proof was made: the verification relationship its key must be listed under. */
export type ProofPurpose = 'assertionMethod' | 'authentication';

export const PROOF_PURPOSES: readonly ProofPurpose[] = ['assertionMethod', 'authentication'];

export interface DataIntegrityProof {
  type: typeof DATA_INTEGRITY_PROOF_TYPE;
  cryptosuite: typeof EDDSA_RDFC_2022;
  /** ISO 8601 date-time of signing. */
  created?: string;
  /** ISO 8601 date-time after which the proof is no longer valid. */
  expires?: string;
  /** A DID URL naming the signing key. */
  verificationMethod: string;
  proofPurpose: ProofPurpose;
  /** Multibase base58btc (`z…`) of the 64-byte Ed25519 signature. */
  proofValue: string;
  '@context'?: string | string[];
}

/** A JSON-LD document secured with one Data Integrity proof. */
export type DataIntegritySecured<T> = T & { proof: DataIntegrityProof };
