/**
 * @module node/approvals/retry
 *
 * The agent sends an approved action again, once, with its approval
 * attached (#18): through the same `act()`, under the agent's session with
 * the verifier. The request becomes `used` before the action leaves, so a
 * second retry is refused here, whatever the verifier would say (its replay
 * protection also takes an approval once).
 */

import { legateError } from '../../errors/index.js';
import { audit } from '../audit.js';
import type { NodeContext } from '../context.js';
import { act } from '../peer.js';

/**
 * @throws `ERR_NOT_FOUND`; `ERR_CONFLICT` (claim `status`) unless the request is approved and not yet retried; and what `act()` throws.
 */
export async function retryApproved(ctx: NodeContext, id: string): Promise<Awaited<ReturnType<typeof act>>> {
  const request = typeof id === 'string' && id.length <= 100 ? await ctx.store.getApprovalRequest(id) : undefined;
  if (request === undefined) throw legateError('ERR_NOT_FOUND', 'no such approval request', { claim: 'id' });
  if (request.status !== 'approved' || request.approval === undefined) throw legateError('ERR_CONFLICT', `this approval request is ${request.status}: only an approved one is retried, once`, { claim: 'status' });
  if (!(await ctx.store.decideApprovalRequest(id, 'approved', { status: 'used' }))) throw legateError('ERR_CONFLICT', 'this approval request was retried meanwhile', { claim: 'status' });
  const decision = await act(ctx, {
    agent: request.agent,
    peer: request.peer,
    ...request.request,
    approval: request.approval,
    ...(request.approverCredential === undefined ? {} : { approverCredential: request.approverCredential }),
  });
  await audit(ctx, {
    type: 'approval',
    decision: decision.decision,
    action: request.request.action,
    resource: request.request.resource,
    chain: request.attribution,
    details: { request: request.id, agent: request.agent, peer: request.peer, retried: true },
  });
  return decision;
}
