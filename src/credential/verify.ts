/**
 * @module credential/verify
 *
 * Verifies an `AgentCapabilityCredential`, secured as `vc+jwt` (or a VCDM
 * 1.1 JWT) or with a Data Integrity proof.
 */

import { CAPABILITY_SCHEMA_FILE } from './schema.js';
import { issuerId, type AgentCapabilityCredential } from './types.js';
import { legateError, type LegateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { DEFAULT_MAX_TOKEN_LENGTH, type DecodedJws } from '../lib/jws.js';
import type { CredentialVerification, VerifyCredentialOptions } from './verify-jwt.js';
import { readUnverifiedForm, verifySecuredCredential, type SecuredCredential } from './verify-secured.js';
import { REASON_CODE, traced } from '../lib/trace.js';

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
  /** @internal What `readUnverifiedForm(secured)` gave the caller already (the same maxLength). */
  readAlready?: { stated: Record<string, unknown> | undefined; decoded?: DecodedJws },
): Promise<CredentialVerification<AgentCapabilityCredential>> {
  return traced('legate.credential.verify', {}, async (span) => {
    const result = await verify(secured, options, readAlready);
    span.set({ 'legate.credential.form': typeof secured === 'string' && !secured.startsWith('{') ? 'jwt' : 'di', 'legate.credential.issuer': result.issuer, 'legate.verified': result.verified, [REASON_CODE]: result.errors[0]?.code });
    return result;
  });
}

async function verify(
  secured: SecuredCredential,
  options: VerifyCredentialOptions,
  readAlready: { stated: Record<string, unknown> | undefined; decoded?: DecodedJws } | undefined,
): Promise<CredentialVerification<AgentCapabilityCredential>> {
  const { trust } = options;
  const profile = { schemaFile: CAPABILITY_SCHEMA_FILE };
  if (trust === undefined) return verifySecuredCredential(secured, profile, options, readAlready?.decoded);
  // Trust before fetch: a root credential's issuer is asked about before its DID is resolved or its status fetched.
  const read = readAlready ?? readUnverifiedForm(secured, options.maxLength ?? DEFAULT_MAX_TOKEN_LENGTH);
  const { stated, decoded } = read;
  const claimed = stated === undefined ? undefined : rootClaim(stated);
  // Only a root credential's issuer needs accrediting: a delegated one's authority is its chain's root.
  // (Nor is anything fetched for a credential that cannot be read or names no issuer: it fails before any lookup.)
  if (claimed === undefined) return verifySecuredCredential(secured, profile, options, decoded);
  const trustErrors = await trust(claimed.issuer, claimed.capabilities, { depth: claimed.depth });
  if (!anyTrusted(claimed.capabilities, trustErrors)) {
    // Nobody this verifier trusts vouches for it: nothing it names is fetched (its issuer's DID, its status lists).
    const errors = trustErrors.length > 0 ? trustErrors : [legateError('ERR_UNTRUSTED_ISSUER', 'the credential names no capability its issuer could be trusted for', { claim: 'capabilities' })];
    return { verified: false, errors, credential: stated as unknown as AgentCapabilityCredential, issuer: claimed.issuer };
  }
  // The issuer the credential claims is the one whose signature is checked, so the answer above stands once it is signed.
  return verifySecuredCredential(secured, { ...profile, afterSignature: () => Promise.resolve(trustErrors) }, options, decoded);
}

interface RootClaim {
  issuer: string;
  capabilities: { action: string; resource: string }[];
  depth: number;
}

/** What a root credential claims, unverified: its issuer and capabilities; undefined for a delegated credential or one without issuer. */
function rootClaim(payload: Record<string, unknown>): RootClaim | undefined {
  const subject = payload.credentialSubject;
  const issuer = issuerId(payload);
  if (issuer === undefined) return undefined;
  const delegation = isRecord(subject) && isRecord(subject.delegation) ? subject.delegation : {};
  if (delegation.parent !== undefined) return undefined;
  const capabilities = (isRecord(subject) && Array.isArray(subject.capabilities) ? subject.capabilities : []).filter(
    (c): c is { action: string; resource: string } => isRecord(c) && typeof c.action === 'string' && typeof c.resource === 'string',
  );
  const depth = typeof delegation.maxDepth === 'number' ? delegation.maxDepth : 0;
  return { issuer, capabilities, depth };
}

/**
 * True when the trust check left at least one capability trusted. A
 * credential naming no capability, or no issuer, has nothing to be trusted
 * for. Errors other than `ERR_UNTRUSTED_ISSUER` (say, an unavailable trust
 * list) leave nothing trusted either.
 */
function anyTrusted(capabilities: readonly { action: string; resource: string }[], errors: readonly LegateError[]): boolean {
  if (errors.some((e) => e.code !== 'ERR_UNTRUSTED_ISSUER' || e.claim === undefined)) return false;
  const untrusted = new Set(errors.map((e) => e.claim));
  return capabilities.some((c) => !untrusted.has(`${c.action}:${c.resource}`));
}
