/**
 * @module veramo/results
 *
 * The library's results as plain JSON for a Veramo agent, which may be
 * remote: each `LegateError` becomes `{ code, message, claim?, reason? }`
 * (no stack, no cause), and nothing else changes shape. Internal to the
 * plugin.
 */

import type { ChainVerification } from '../delegation/verify-chain.js';
import type { LegateError } from '../errors/index.js';
import type { PresentationVerification } from '../presentation/verify.js';
import type { LegateChainVerification, LegateErrorJson, LegatePresentationVerification } from './types.js';

export function errorJson(error: LegateError): LegateErrorJson {
  return error.toJSON();
}

export function errorsJson(errors: readonly LegateError[]): LegateErrorJson[] {
  return errors.map(errorJson);
}

export function chainJson(chain: ChainVerification): LegateChainVerification {
  return {
    verified: chain.verified,
    errors: errorsJson(chain.errors),
    links: chain.links.map(({ jwt, credential, issuer }) => ({ jwt, credential, issuer })),
    ...(chain.rootIssuer === undefined ? {} : { rootIssuer: chain.rootIssuer }),
    ...(chain.leaf === undefined ? {} : { leaf: chain.leaf }),
    attribution: chain.attribution.map((entry) => ({ ...entry })),
  };
}

export function presentationJson(verification: PresentationVerification): LegatePresentationVerification {
  return {
    verified: verification.verified,
    errors: errorsJson(verification.errors),
    ...(verification.holder === undefined ? {} : { holder: verification.holder }),
    chains: verification.chains.map(chainJson),
    credentials: verification.credentials,
  };
}
