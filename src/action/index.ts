/**
 * @module action
 *
 * Signed actions (DESIGN "Signed actions"): an agent invokes an action with
 * a JWS it signs under its session (`createSignedAction`); the verifier
 * checks signature, key binding to the session, replay, clock skew and body
 * hash, and finds the covering session capability (`verifySignedAction`),
 * then decides with `authorize()`. Actions that need a human's approval
 * carry an `ApprovalCredential` bound to the action's hash (`issueApproval`,
 * `verifyApproval`).
 *
 * @example
 * ```ts
 * import { createSignedAction, verifySignedAction } from 'legate/action';
 * const { token } = await createSignedAction({ signer, audience: bob.did, session, action: 'call', resource: 'billing:refund' });
 * const result = await verifySignedAction(token, { resolver, audience: bob.did, replay });
 * ```
 */

export { createSignedAction, type CreateSignedActionOptions, type SignedAction } from './create.js';
export { verifySignedAction, type VerifySignedActionOptions, type SignedActionVerification } from './verify.js';
export { actionHash, bodyHash } from './hash.js';
export {
  issueApproval,
  verifyApproval,
  APPROVAL_CREDENTIAL_TYPE,
  APPROVAL_SCHEMA_ID,
  DEFAULT_APPROVAL_LIFETIME_SECONDS,
  type ApprovalCredential,
  type ApprovalSubject,
  type IssueApprovalOptions,
  type VerifyApprovalOptions,
} from './approval.js';
export {
  ACTION_TYP,
  MAX_ACTION_LENGTH,
  MAX_PARAMS_DEPTH,
  MAX_PARAMS_LENGTH,
  type ActionFields,
  type ActionParams,
  type SignedActionPayload,
} from './types.js';
