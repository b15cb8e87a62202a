/**
 * @module credential/verify
 *
 * Verifies an `AgentCapabilityCredential`, secured as `vc+jwt` (or a VCDM
 * 1.1 JWT) or with a Data Integrity proof.
 */

import { CAPABILITY_SCHEMA_FILE } from './schema.js';
import type { AgentCapabilityCredential } from './types.js';
import type { LegateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import type { CredentialVerification, TrustCheck, VerifyCredentialOptions } from './verify-jwt.js';
import { verifySecuredCredential, type SecuredCredential } from './verify-secured.js';

/**
 * Verifies a capability credential, a compact JWS or a Data Integrity
 * secured credential (object or JSON text): its securing (header or proof),
 * key binding, signature, validity window and schema; with `options.status`,
 * revocation and suspension; with `options.trust`, that a root credential's
 * issuer is trusted for each of its capabilities (`ERR_UNTRUSTED_ISSUER`
 * naming the capability). Never throws for a bad credential: every failed
 * check is in `errors` with its code.
 *
 * @example
 * ```ts
 * const result = await verifyCapabilityCredential(jwt, { resolver: createDidResolver() });
 * if (!result.verified) console.log(result.errors.map((e) => e.code));
 * await verifyCapabilityCredential(diCredential, { resolver }); // the same checks and codes
 * ```
 */
export function verifyCapabilityCredential(
  secured: SecuredCredential,
  options: VerifyCredentialOptions,
): Promise<CredentialVerification<AgentCapabilityCredential>> {
  const { trust } = options;
  return verifySecuredCredential(
    secured,
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
