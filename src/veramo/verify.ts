/**
 * @module veramo/verify
 *
 * `legateVerifyCapabilityCredential` and `legateVerifyChain`: the library's
 * verifiers with the plugin's runtime (resolver, status checker, trust
 * registry, clock), their results as JSON. A bad token is a result with
 * codes, never a throw; only a missing or mistyped argument throws.
 */

import { verifyCapabilityCredential } from '../credential/verify.js';
import { MAX_CHAIN_LINKS, verifyChain } from '../delegation/verify-chain.js';
import { argsOf, securedArray, securedValue } from './args.js';
import { chainJson, errorsJson } from './results.js';
import type { CallScope } from './runtime.js';
import type { LegateChainVerification, LegateCredentialVerification } from './types.js';

/** Verifies one capability credential. @throws InputError `ERR_INVALID_ARGUMENT` for a missing credential. */
export async function verifyCredential(input: unknown, scope: CallScope): Promise<LegateCredentialVerification> {
  const args = argsOf(input, 'legateVerifyCapabilityCredential', 'LegateCredentialArgs');
  const result = await verifyCapabilityCredential(securedValue(args.credential, 'credential'), scope.runtime.verify);
  return {
    verified: result.verified,
    errors: errorsJson(result.errors),
    ...(result.credential === undefined ? {} : { credential: result.credential }),
    ...(result.issuer === undefined ? {} : { issuer: result.issuer }),
  };
}

/** Verifies a delegation chain. @throws InputError `ERR_INVALID_ARGUMENT` for a missing or oversized list. */
export async function verifyDelegationChain(input: unknown, scope: CallScope): Promise<LegateChainVerification> {
  const args = argsOf(input, 'legateVerifyChain', 'LegateVerifyChainArgs');
  const credentials = securedArray(args.credentials, 'credentials', 1, MAX_CHAIN_LINKS);
  return chainJson(await verifyChain(credentials, scope.runtime.verify));
}
