/**
 * @module node/approvers
 *
 * Approvers the organization names: DIDs whose signed approval counts for
 * any of its verifiers' approval-gated actions, besides the acting agent's
 * own owner (DESIGN "Signed actions"). This is how an agent whose owner is a
 * `mailto:` URI (who cannot sign) gets an action approved.
 */

import { legateError } from '../errors/index.js';
import { inTransaction, type NodeContext } from './context.js';
import { audit } from './audit.js';

const DID = /^did:[a-z0-9]+:\S{1,2000}$/;

export async function listApprovers(ctx: NodeContext): Promise<string[]> {
  return ctx.store.listApprovers();
}

async function change(ctx: NodeContext, did: string, add: boolean): Promise<string[]> {
  if (!DID.test(did)) throw legateError('ERR_INVALID_ARGUMENT', 'an approver must be a DID', { claim: 'did' });
  return inTransaction(ctx, async (tx) => {
    const approvals = tx.store;
    const current = await approvals.listApprovers();
    if (!add && !current.includes(did)) throw legateError('ERR_NOT_FOUND', `${did} is not an approver`, { claim: 'did' });
    const next = add ? [...new Set([...current, did])] : current.filter((d) => d !== did);
    await approvals.putApprovers(next);
    await audit(tx, { type: 'agent', decision: 'allow', action: add ? 'name-approver' : 'remove-approver', resource: did });
    return next;
  });
}

/** Names a DID whose approvals count for this node's approval-gated actions. */
export function addApprover(ctx: NodeContext, did: string): Promise<string[]> {
  return change(ctx, did, true);
}

/** @throws LegateError `ERR_NOT_FOUND` when the DID is not an approver. */
export function removeApprover(ctx: NodeContext, did: string): Promise<string[]> {
  return change(ctx, did, false);
}
