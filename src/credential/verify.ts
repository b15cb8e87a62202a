/**
 * @module credential/verify
 *
 * Verifies an `AgentCapabilityCredential` secured as `vc+jwt`.
 */

import { CAPABILITY_SCHEMA_FILE } from './schema.js';
import type { AgentCapabilityCredential } from './types.js';
import type { LegateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { verifyCredentialJwt, type CredentialVerification, type TrustCheck, type VerifyCredentialOptions } from './verify-jwt.js';

/**
 * Verifies a capability credential: header, key binding, signature, validity
 * window and schema; with `options.status`, revocation and suspension; with
 * `options.trust`, that a root credential's issuer is trusted for each of its
 * capabilities (`ERR_UNTRUSTED_ISSUER` naming the capability). Never throws for a bad token: every failed check is in
 * `errors` with its code.
 *
 * @example
 * ```ts
 * const result = await verifyCapabilityCredential(jwt, { resolver: createDidResolver() });
 * if (!result.verified) console.log(result.errors.map((e) => e.code));
 * ```
 */
export function verifyCapabilityCredential(
  jwt: string,
  options: VerifyCredentialOptions,
): Promise<CredentialVerification<AgentCapabilityCredential>> {
  const { trust } = options;
  return verifyCredentialJwt(
    jwt,
    {
      schemaFile: CAPABILITY_SCHEMA_FILE,
      // Only a root credential's issuer needs accrediting: a delegated one's authority is its chain's root.
      ...(trust === undefined ? {} : { afterSignature: (payload, issuer) => rootTrust(payload, issuer, trust) }),
    },
    options,
  );
}

function rootTrust(payload: Record<string, unknown>, issuer: string, trust: TrustCheck): Promise<LegateError[]> {
  const subject = payload.credentialSubject;
  if (!isRecord(subject) || !Array.isArray(subject.capabilities)) return Promise.resolve([]); // the schema check reports it
  const delegation = isRecord(subject.delegation) ? subject.delegation : {};
  if (delegation.parent !== undefined) return Promise.resolve([]);
  const capabilities = subject.capabilities.filter(
    (c): c is { action: string; resource: string } => isRecord(c) && typeof c.action === 'string' && typeof c.resource === 'string',
  );
  const depth = typeof delegation.maxDepth === 'number' ? delegation.maxDepth : 0;
  return trust(issuer, capabilities, { depth });
}
