/**
 * @module action/approval
 *
 * `ApprovalCredential` (DESIGN "Credentials"): a human owner's, or a named
 * approver's, signed approval of one action, bound to the action's hash and
 * short-lived (ten minutes by default). It is a VCDM 2.0 `vc+jwt` whose
 * subject carries the `actionHash` and, for people reading it, the approved
 * action and resource. Owners are URIs, but only a DID can sign: when an
 * agent's owner is a `mailto:` (or another non-DID URI), its organization
 * must name an approver DID (a person's did:key, or the organization's own
 * DID) and pass it in `approvers`.
 */

import { assertSchema } from '../credential/schema.js';
import { issuerId } from '../credential/types.js';
import { readUnverified } from '../credential/verify-secured.js';
import { verifyCredentialJwt, type CredentialVerification, type VerifyCredentialOptions } from '../credential/verify-jwt.js';
import { legateError } from '../errors/index.js';
import { replayErrors, replayKey } from '../handshake/message.js';
import { sameString } from '../lib/same-string.js';
import type { ReplayCache } from '../handshake/replay-cache.js';
import type { Signer } from '../keys/signer.js';
import { assertNonEmptyString } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { signCompactJws } from '../lib/jws.js';
import { shortLivedEnvelope, type ShortLivedEnvelope } from './short-lived.js';
import type { IssuedCredential } from '../credential/issue.js';

export const APPROVAL_CREDENTIAL_TYPE = 'ApprovalCredential';
export const APPROVAL_SCHEMA_ID = 'https://legate.dev/schemas/approval-credential/1.0.0.json';
export const APPROVAL_SCHEMA_FILE = 'approval-credential.json';
/** Default approval lifetime, in seconds. */
export const DEFAULT_APPROVAL_LIFETIME_SECONDS = 600;
const MAX_APPROVAL_LIFETIME_SECONDS = 86_400;

export interface ApprovalSubject {
  /** The agent approved to perform the action. */
  id?: string;
  /** The action hash (see `actionHash`). */
  actionHash: string;
  action: string;
  resource: string;
  scope?: string;
  /** The verifier the action is for. */
  audience?: string;
}

export interface ApprovalCredential extends ShortLivedEnvelope {
  credentialSubject: ApprovalSubject;
}

export interface IssueApprovalOptions {
  /** The approver's key (the owner's, or an approver the organization names); the issuer is its DID. */
  signer: Signer;
  /** The hash of the action approved. */
  actionHash: string;
  action: string;
  resource: string;
  scope?: string;
  /** The agent approved to act. */
  agent?: string;
  /** The verifier the action is for. */
  audience?: string;
  /** Default 600 seconds, at most a day. */
  lifetimeSeconds?: number;
  clock?: Clock;
}

/**
 * Issues an approval of one action.
 *
 * @throws InputError `ERR_SCHEMA` for a malformed hash, action, resource or
 * DID; RangeError for a lifetime out of range.
 *
 * @example
 * ```ts
 * const hash = actionHash({ iss: alice.did, aud: bank.did, action: 'close', resource: 'billing:account', params: {} });
 * const { jwt } = await issueApproval({ signer: owner, actionHash: hash, action: 'close', resource: 'billing:account' });
 * ```
 */
export async function issueApproval(options: IssueApprovalOptions): Promise<IssuedCredential<ApprovalCredential>> {
  assertNonEmptyString(options.actionHash, 'actionHash');
  const envelope = shortLivedEnvelope({
    signer: options.signer,
    type: APPROVAL_CREDENTIAL_TYPE,
    schemaId: APPROVAL_SCHEMA_ID,
    lifetimeSeconds: options.lifetimeSeconds ?? DEFAULT_APPROVAL_LIFETIME_SECONDS,
    maxSeconds: MAX_APPROVAL_LIFETIME_SECONDS,
    clock: options.clock,
  });
  const { id } = envelope;
  const credential: ApprovalCredential = {
    ...envelope,
    credentialSubject: {
      ...(options.agent === undefined ? {} : { id: options.agent }),
      actionHash: options.actionHash,
      action: options.action,
      resource: options.resource,
      ...(options.scope === undefined ? {} : { scope: options.scope }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
    },
  };
  assertSchema(APPROVAL_SCHEMA_FILE, credential, 'approval credential');
  const jwt = await signCompactJws(credential as unknown as Record<string, unknown>, options.signer, { typ: 'vc+jwt' });
  return { id, jwt, credential };
}

export interface VerifyApprovalOptions extends VerifyCredentialOptions {
  /** The hash of the action being verified (see `actionHash`). */
  expectedHash: string;
  /** DIDs allowed to approve, e.g. the owner's DID, or approvers the organization names for a `mailto:` owner. */
  approvers: readonly string[];
  /** The verifier's DID: an approval naming another audience is refused. */
  audience?: string;
  /** When given, each approval is accepted once (its id is remembered until it expires). Recommended. */
  replay?: ReplayCache;
}

/**
 * Verifies an approval of one action: signature by an assertion key of the
 * issuer, validity window, schema, issuer among `approvers`
 * (`ERR_UNTRUSTED_ISSUER`, decided on the stated issuer before any DID or
 * status list is looked up), the action hash (`ERR_APPROVAL_MISMATCH`),
 * audience, and with `replay` single use (`ERR_REPLAY`). Never throws for a
 * bad token.
 *
 * @example
 * ```ts
 * const result = await verifyApproval(action.approval, { resolver, expectedHash: verified.hash,
 *   approvers: [ownerDid], replay });
 * const decision = authorize(request, subjects, { approved: result.verified });
 * ```
 */
export async function verifyApproval(jwt: string, options: VerifyApprovalOptions): Promise<CredentialVerification<ApprovalCredential>> {
  if (typeof options.expectedHash !== 'string' || !Array.isArray(options.approvers)) {
    throw new TypeError('expectedHash must be a string and approvers an array of DIDs');
  }
  const { expectedHash, approvers, audience, replay, ...credentialOptions } = options;
  // Trust before fetch (#13 item 2): the approval rides in an action anyone may send, so an issuer that is
  // not an allowed approver is refused before its DID (a did:web names a host) or any status list is looked up.
  const stated = readUnverified(jwt, credentialOptions.maxLength);
  const claimed = stated === undefined ? undefined : issuerId(stated);
  if (stated !== undefined && (claimed === undefined || !approvers.includes(claimed))) {
    return {
      verified: false,
      errors: [legateError('ERR_UNTRUSTED_ISSUER', 'the approval is not signed by an allowed approver', { claim: 'issuer' })],
      credential: stated as unknown as ApprovalCredential,
      ...(claimed === undefined ? {} : { issuer: claimed }),
    };
  }
  const result = await verifyCredentialJwt<ApprovalCredential>(jwt, { schemaFile: APPROVAL_SCHEMA_FILE }, credentialOptions);
  const subject = result.credential?.credentialSubject;
  if (result.issuer !== undefined && !approvers.includes(result.issuer)) {
    result.errors.push(legateError('ERR_UNTRUSTED_ISSUER', 'the approval is not signed by an allowed approver', { claim: 'issuer' }));
  }
  if (subject !== undefined && (typeof subject.actionHash !== 'string' || !sameString(subject.actionHash, expectedHash))) {
    result.errors.push(legateError('ERR_APPROVAL_MISMATCH', 'the approval is for another action', { claim: 'actionHash' }));
  }
  if (subject !== undefined && audience !== undefined && subject.audience !== undefined && subject.audience !== audience) {
    result.errors.push(legateError('ERR_AUDIENCE', 'the approval is for another verifier', { claim: 'audience' }));
  }
  // Consume the approval only when it is otherwise good: a refused one can still be used for its own action.
  if (result.errors.length === 0 && replay !== undefined && result.credential !== undefined) {
    const until = Date.parse(result.credential.validUntil) + (options.skewSeconds ?? 60) * 1000;
    result.errors.push(...(await replayErrors(replay, [replayKey('approval', 'id', result.issuer ?? '', result.credential.id)], new Date(until))));
  }
  return { ...result, verified: result.errors.length === 0 };
}
