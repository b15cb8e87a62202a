/**
 * @module node/approvals/record
 *
 * Puts an action of one of this node's agents that a verifier answered
 * `approval_required` into the node's approval inbox (#18): what was asked,
 * the hash to approve, the chain to the human owner, and whose approval the
 * verifier says it accepts. Only `act()` on this node calls it, for its own
 * agents: nothing a peer sends is ever stored. An agent holds at most
 * {@link MAX_PENDING_PER_AGENT} pending requests; a request expires after
 * {@link APPROVAL_REQUEST_LIFETIME_MS}.
 */

import { randomUUID } from 'node:crypto';
import { legateError } from '../../errors/index.js';
import type { ApprovalRequestRecord } from '../../store/ports/approval-requests.js';
import { audit } from '../audit.js';
import type { NodeContext } from '../context.js';

/** Pending requests one agent may hold. */
export const MAX_PENDING_PER_AGENT = 100;
/** How long a request waits for a decision. */
export const APPROVAL_REQUEST_LIFETIME_MS = 60 * 60_000;
/** Largest request kept (its JSON), in characters. */
const MAX_REQUEST_CHARS = 8192;
/** Most entries of a verifier's `accepts` kept, and characters each. */
const MAX_ACCEPTS = 8;
const MAX_TEXT = 300;

export interface ApprovalAsked {
  agent: string;
  peer: string;
  request: ApprovalRequestRecord['request'];
  actionHash: string;
  attribution: string[];
  accepts?: unknown;
}

/**
 * @throws LegateError `ERR_APPROVAL_INBOX_FULL` when the agent has {@link MAX_PENDING_PER_AGENT} pending requests; InputError `ERR_INPUT_TOO_LARGE` for a request too large to keep.
 */
export async function recordApprovalRequest(ctx: NodeContext, asked: ApprovalAsked): Promise<ApprovalRequestRecord> {
  if (JSON.stringify(asked.request).length > MAX_REQUEST_CHARS) throw legateError('ERR_INPUT_TOO_LARGE', `an approval request is at most ${MAX_REQUEST_CHARS} characters`, { claim: 'params' });
  const accepts = Array.isArray(asked.accepts) ? asked.accepts.filter((a): a is string => typeof a === 'string').slice(0, MAX_ACCEPTS).map((a) => a.slice(0, MAX_TEXT)) : [];
  const now = ctx.clock();
  const record: ApprovalRequestRecord = {
    id: `urn:uuid:${randomUUID()}`,
    agent: asked.agent,
    peer: asked.peer,
    request: asked.request,
    actionHash: asked.actionHash,
    attribution: asked.attribution.slice(0, 16).map((a) => a.slice(0, MAX_TEXT)),
    accepts,
    status: 'pending',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + APPROVAL_REQUEST_LIFETIME_MS).toISOString(),
  };
  if (!(await ctx.store.putApprovalRequest(record, MAX_PENDING_PER_AGENT))) {
    throw legateError('ERR_APPROVAL_INBOX_FULL', `${asked.agent} already has ${MAX_PENDING_PER_AGENT} pending approval requests`, { claim: 'agent' });
  }
  await audit(ctx, {
    type: 'approval',
    decision: 'approval_required',
    action: record.request.action,
    resource: record.request.resource,
    chain: record.attribution,
    details: { request: record.id, agent: record.agent, peer: record.peer, actionHash: record.actionHash },
  });
  ctx.services.webhook.send({ type: 'approval.requested', id: `${record.id}#requested`, at: record.createdAt, data: { request: record.id, agent: record.agent, peer: record.peer, ...record.request, attribution: record.attribution, expiresAt: record.expiresAt } });
  return record;
}
