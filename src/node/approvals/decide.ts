/**
 * @module node/approvals/decide
 *
 * Decides a request in the approval inbox in one step (#18). Approving
 * signs an ApprovalCredential with the approver's own key (a DID this node
 * holds: the agent's owner when it is one of this node's did:key agents, an
 * operator's did:key, the organization), bound to the action's hash and
 * addressed to the verifier. Denying records who and why. Either is one
 * conditional update, so two deciders cannot both win, and is audited with
 * the approver and, from the console, the operator's name.
 */

import { legateError } from '../../errors/index.js';
import type { ApprovalRequestRecord } from '../../store/ports/approval-requests.js';
import { audit } from '../audit.js';
import type { NodeContext } from '../context.js';
import { DEFAULT_APPROVAL_LIFETIME_SECONDS } from '../../action/approval.js';
import { issueApproverCredential } from '../../action/approver-credential.js';
import { roleAtLeast } from '../operators/roles.js';
import { actionToApprove, approve } from '../peer.js';
import { organizationSigner } from '../signers.js';

export interface DecideOptions {
  /** The DID that approves or denies; to approve, one whose key this node holds. */
  approver: string;
  /** The console operator deciding, for the audit log. */
  operator?: string | undefined;
}

/** Longest denial reason kept. */
export const MAX_DENIAL_REASON = 500;

/** The request `id`, still pending and not expired. @throws `ERR_NOT_FOUND`; `ERR_CONFLICT` (claim `status`) when decided or expired. */
export async function pendingRequest(ctx: NodeContext, id: string): Promise<ApprovalRequestRecord> {
  const found = typeof id === 'string' && id.length <= 100 ? await ctx.store.getApprovalRequest(id) : undefined;
  if (found === undefined) throw legateError('ERR_NOT_FOUND', 'no such approval request', { claim: 'id' });
  if (found.status === 'pending' && Date.parse(found.expiresAt) <= ctx.clock().getTime()) {
    await ctx.store.decideApprovalRequest(id, 'pending', { status: 'expired' });
    throw legateError('ERR_CONFLICT', 'this approval request expired', { claim: 'status' });
  }
  if (found.status !== 'pending') throw legateError('ERR_CONFLICT', `this approval request is ${found.status}`, { claim: 'status' });
  return found;
}

/** The agent's DID, read from the request's attribution (the agent acts first). */
const agentDidOf = (request: ApprovalRequestRecord) => request.attribution[0] ?? '';

/**
 * @throws `ERR_NOT_FOUND`, `ERR_CONFLICT` (decided or expired), `ERR_KEY_UNAVAILABLE` (this node holds no key for the approver).
 *
 * @example
 * ```ts
 * await approveRequest(node, id, { approver: dana.did, operator: 'dana' });
 * ```
 */
export async function approveRequest(ctx: NodeContext, id: string, options: DecideOptions & { lifetimeSeconds?: number }): Promise<ApprovalRequestRecord> {
  const request = await pendingRequest(ctx, id);
  const fields = actionToApprove(agentDidOf(request), request.peer, request.request);
  const lifetimeSeconds = options.lifetimeSeconds ?? DEFAULT_APPROVAL_LIFETIME_SECONDS;
  const { jwt } = await approve(ctx, { approver: options.approver, action: fields, lifetimeSeconds });
  const attestation = await attestOperator(ctx, options.approver, lifetimeSeconds);
  const decidedAt = ctx.clock().toISOString();
  return decide(ctx, request, {
    status: 'approved',
    decidedBy: options.approver,
    decidedAt,
    approval: jwt,
    ...(attestation === undefined ? {} : { approverCredential: attestation }),
    ...(options.operator === undefined ? {} : { operator: options.operator }),
  });
}

/**
 * When `approver` is one of this node's operators with the approver or admin
 * role, the organization attests it for as long as the approval lasts (an
 * ApproverCredential): a verifier whose registry trusts this organization
 * for the action then accepts the approval without naming the operator.
 */
async function attestOperator(ctx: NodeContext, approver: string, lifetimeSeconds: number): Promise<string | undefined> {
  const operator = (await ctx.store.listOperators()).find((o) => o.did === approver && o.disabledAt === undefined);
  if (operator === undefined || !roleAtLeast(operator.role, 'approver')) return undefined;
  const { jwt } = await issueApproverCredential({ signer: await organizationSigner(ctx), approver, name: operator.name, lifetimeSeconds, clock: ctx.clock });
  return jwt;
}

/** @throws `ERR_NOT_FOUND`, `ERR_CONFLICT` (decided or expired), `ERR_INVALID_ARGUMENT` (claim `reason`). */
export async function denyRequest(ctx: NodeContext, id: string, options: DecideOptions & { reason?: string | undefined }): Promise<ApprovalRequestRecord> {
  if (options.reason !== undefined && options.reason.length > MAX_DENIAL_REASON) throw legateError('ERR_INVALID_ARGUMENT', `a reason is at most ${MAX_DENIAL_REASON} characters`, { claim: 'reason' });
  const request = await pendingRequest(ctx, id);
  const decidedAt = ctx.clock().toISOString();
  return decide(ctx, request, {
    status: 'denied',
    decidedBy: options.approver,
    decidedAt,
    ...(options.operator === undefined ? {} : { operator: options.operator }),
    ...(options.reason === undefined || options.reason === '' ? {} : { reason: options.reason }),
  });
}

async function decide(ctx: NodeContext, request: ApprovalRequestRecord, decision: Parameters<NodeContext['store']['decideApprovalRequest']>[2]): Promise<ApprovalRequestRecord> {
  if (!(await ctx.store.decideApprovalRequest(request.id, 'pending', decision))) {
    throw legateError('ERR_CONFLICT', 'this approval request was decided meanwhile', { claim: 'status' });
  }
  await audit(ctx, {
    type: 'approval',
    decision: decision.status === 'approved' ? 'allow' : 'deny',
    action: request.request.action,
    resource: request.request.resource,
    chain: request.attribution,
    approver: decision.decidedBy,
    details: { request: request.id, agent: request.agent, peer: request.peer, ...(decision.operator === undefined ? {} : { operator: decision.operator }), ...(decision.reason === undefined ? {} : { reason: decision.reason }) },
  });
  const after = (await ctx.store.getApprovalRequest(request.id))!;
  ctx.services.webhook.send({
    type: 'approval.decided',
    id: `${request.id}#decided`,
    at: after.decidedAt ?? ctx.clock().toISOString(),
    data: { request: request.id, agent: request.agent, status: after.status, decidedBy: after.decidedBy, ...(after.operator === undefined ? {} : { operator: after.operator }), ...(after.reason === undefined ? {} : { reason: after.reason }) },
  });
  return after;
}
