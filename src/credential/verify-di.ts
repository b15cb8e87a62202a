/**
 * @module credential/verify-di
 *
 * Verification of a credential secured with a Data Integrity proof
 * (`eddsa-rdfc-2022`): the proof is verified with its `verificationMethod`
 * bound to the credential's issuer and authorized for `assertionMethod`,
 * then the credential (without its proof) gets the checks every securing
 * form gets (`checks.ts`), with the same codes. `jsonld` is loaded on first
 * use only, so JWT-only verifiers never load it.
 */

import type * as CanonicalizeModule from '../data-integrity/canonicalize.js';
import type * as VerifyProofModule from '../data-integrity/verify-proof.js';
import { LegateError, TimeError } from '../errors/index.js';
import { DEFAULT_MAX_TOKEN_LENGTH } from '../lib/jws.js';
import { credentialChecks, type CredentialProfile } from './checks.js';
import { issuerId } from './types.js';
import type { CredentialVerification, VerifyCredentialOptions } from './verify-jwt.js';

type DataIntegrityModule = typeof CanonicalizeModule & typeof VerifyProofModule;

let loading: Promise<DataIntegrityModule> | undefined;

/** The Data Integrity implementation, loaded once. */
function dataIntegrity(): Promise<DataIntegrityModule> {
  loading ??= Promise.all([import('../data-integrity/verify-proof.js'), import('../data-integrity/canonicalize.js')]).then(
    ([verify, canonicalize]) => ({ ...verify, ...canonicalize }),
  );
  return loading;
}

/** @internal Verifies a Data Integrity credential (an object, or its JSON text) of one profile. */
export async function verifyCredentialDataIntegrity<C>(
  secured: unknown,
  profile: CredentialProfile,
  options: VerifyCredentialOptions,
): Promise<CredentialVerification<C>> {
  const { boundedDocument, verifyBoundedProof } = await dataIntegrity();
  const maxLength = options.maxLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  let input: Record<string, unknown>;
  try {
    input = boundedDocument(secured, 'credential', maxLength);
  } catch (error) {
    if (error instanceof LegateError) return { verified: false, errors: [error], format: 'di' };
    throw error;
  }
  const issuer = issuerId(input);
  options.budget?.charge('signatures');
  const proofResult = await verifyBoundedProof(input, {
    resolver: options.resolver,
    controller: { did: issuer, party: 'issuer' },
    proofPurpose: 'assertionMethod',
    clock: options.clock,
    skewSeconds: options.skewSeconds,
    maxLength,
    maxNodes: profile.maxNodes,
    hashes: options.canonicalHashes,
  });
  const payload = proofResult.document ?? input;
  const errors = [...proofResult.errors];
  // A proof outside its own window still shows the issuer signed; anything else does not.
  const signed = proofResult.proof !== undefined && errors.every((e) => e instanceof TimeError);
  errors.push(...(await credentialChecks(payload, issuer, signed, profile, options)));
  return {
    verified: errors.length === 0,
    errors,
    credential: payload as C,
    format: 'di',
    signed,
    ...(proofResult.proof === undefined ? {} : { proof: proofResult.proof }),
    ...(issuer === undefined ? {} : { issuer }),
  };
}
