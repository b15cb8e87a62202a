/**
 * @module action/approver-credential
 *
 * `ApproverCredential` (#18): an organization attests that a DID approves
 * approval-gated actions for its agents (a console operator's did:key, say).
 * The agent sends it with an approval that DID signed; a verifier that does
 * not name that approver itself accepts it only when the attesting
 * organization is the issuer of the root of the agent's credential chain
 * (which its registry already trusts for the action), decided on the stated
 * issuer before anything is resolved. Short-lived, like the approvals it
 * backs.
 */

import { assertSchema } from '../credential/schema.js';
import { issuerId } from '../credential/types.js';
import { readUnverified } from '../credential/verify-secured.js';
import { verifyCredentialJwt, type CredentialVerification, type VerifyCredentialOptions } from '../credential/verify-jwt.js';
import type { IssuedCredential } from '../credential/issue.js';
import { legateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import type { Clock } from '../lib/clock.js';
import { signCompactJws } from '../lib/jws.js';
import { shortLivedEnvelope, type ShortLivedEnvelope } from './short-lived.js';

export const APPROVER_CREDENTIAL_TYPE = 'ApproverCredential';
export const APPROVER_SCHEMA_ID = 'https://legate.dev/schemas/approver-credential/1.0.0.json';
export const APPROVER_SCHEMA_FILE = 'approver-credential.json';
const MAX_LIFETIME_SECONDS = 86_400;

export interface ApproverCredential extends ShortLivedEnvelope {
  credentialSubject: { id: string; name?: string };
}

/**
 * The organization (`signer`) attests `approver` for `lifetimeSeconds`.
 *
 * @example
 * ```ts
 * const { jwt } = await issueApproverCredential({ signer: orgSigner, approver: dana.did, name: 'dana', lifetimeSeconds: 600 });
 * ```
 */
export async function issueApproverCredential(options: { signer: Signer; approver: string; name?: string; lifetimeSeconds: number; clock?: Clock }): Promise<IssuedCredential<ApproverCredential>> {
  const envelope = shortLivedEnvelope({ signer: options.signer, type: APPROVER_CREDENTIAL_TYPE, schemaId: APPROVER_SCHEMA_ID, lifetimeSeconds: options.lifetimeSeconds, maxSeconds: MAX_LIFETIME_SECONDS, clock: options.clock });
  const { id } = envelope;
  const credential: ApproverCredential = {
    ...envelope,
    credentialSubject: { id: options.approver, ...(options.name === undefined ? {} : { name: options.name.slice(0, 128) }) },
  };
  assertSchema(APPROVER_SCHEMA_FILE, credential, 'approver credential');
  const jwt = await signCompactJws(credential as unknown as Record<string, unknown>, options.signer, { typ: 'vc+jwt' });
  return { id, jwt, credential };
}

/**
 * The approver `jwt` attests, when it is a good ApproverCredential issued by
 * one of `organizations`: `ERR_UNTRUSTED_ISSUER` for any other issuer,
 * decided on the stated issuer before its DID is resolved; then signature,
 * validity window and schema. Never throws for a bad token.
 */
export async function verifyApproverCredential(jwt: string, options: VerifyCredentialOptions & { organizations: readonly string[] }): Promise<CredentialVerification<ApproverCredential> & { approver?: string }> {
  const { organizations, ...credentialOptions } = options;
  const stated = readUnverified(jwt, credentialOptions.maxLength);
  const claimed = stated === undefined ? undefined : issuerId(stated);
  if (claimed === undefined || !organizations.includes(claimed)) {
    return { verified: false, errors: [legateError('ERR_UNTRUSTED_ISSUER', "the approver is not attested by the organization at the root of the agent's authority", { claim: 'issuer' })] };
  }
  const result = await verifyCredentialJwt<ApproverCredential>(jwt, { schemaFile: APPROVER_SCHEMA_FILE }, credentialOptions);
  if (result.issuer !== undefined && !organizations.includes(result.issuer)) {
    result.errors.push(legateError('ERR_UNTRUSTED_ISSUER', "the approver is not attested by the organization at the root of the agent's authority", { claim: 'issuer' }));
  }
  const approver = result.credential?.credentialSubject?.id;
  return { ...result, verified: result.errors.length === 0, ...(result.errors.length === 0 && typeof approver === 'string' ? { approver } : {}) };
}
