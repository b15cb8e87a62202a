/**
 * @module credential/verify
 *
 * Verifies an `AgentCapabilityCredential` secured as `vc+jwt`.
 */

import { CAPABILITY_SCHEMA_FILE } from './schema.js';
import type { AgentCapabilityCredential } from './types.js';
import { verifyCredentialJwt, type CredentialVerification, type VerifyCredentialOptions } from './verify-jwt.js';

/**
 * Verifies a capability credential: header, key binding, signature, validity
 * window and schema. Never throws for a bad token: every failed check is in
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
  return verifyCredentialJwt(jwt, { schemaFile: CAPABILITY_SCHEMA_FILE }, options);
}
