/**
 * @module veramo/results
 *
 * The library's results as plain JSON for a Veramo agent, which may be
 * remote: each `LegateError` becomes `{ code, message, claim?, reason? }`
 * (no stack, no cause), and nothing else changes shape. Internal to the
 * plugin.
 */

import type { IssuedSecuredCredential } from '../credential/issue.js';
import type { ChainVerification } from '../delegation/verify-chain.js';
import type { LegateError } from '../errors/index.js';
import type { PresentationVerification } from '../presentation/verify.js';
import type { LegateChainVerification, LegateErrorJson, LegateIssuedCredential, LegatePresentationVerification } from './types.js';

export function errorJson(error: LegateError): LegateErrorJson {
  return error.toJSON();
}

export function errorsJson(errors: readonly LegateError[]): LegateErrorJson[] {
  return errors.map(errorJson);
}

/** An issued credential, with its secured form under one name whatever the format. */
export function issuedJson(issued: IssuedSecuredCredential, format: 'jwt' | 'jwt-vc1' | 'di' | undefined): LegateIssuedCredential {
  const { id, credential } = issued;
  if ('secured' in issued) return { id, format: 'di', secured: issued.secured as unknown as Record<string, unknown>, credential };
  return { id, format: format === 'jwt-vc1' ? 'jwt-vc1' : 'jwt', secured: issued.jwt, credential };
}

export function chainJson(chain: ChainVerification): LegateChainVerification {
  return {
    verified: chain.verified,
    errors: errorsJson(chain.errors),
    links: chain.links.map(({ token, credential, issuer }) => ({ token, credential, issuer })),
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
