/**
 * @module node/changes/execute
 *
 * Carrying out a change once it may take effect: the existing operations
 * (`node/status` changeStatus, `node/retire` retireAgent), with who asked
 * and who confirmed joined to their own audit entry, so the entry that
 * records the revocation names the people behind it. Internal to
 * node/changes.
 */

import { legateError } from '../../errors/index.js';
import type { AgentRecord } from '../../store/types.js';
import type { NodeContext } from '../context.js';
import type { RetireResult } from '../retire.js';
import type { StatusChangeResult } from '../status.js';
import type { ChangeKind } from './policy.js';

export type ChangeResult = StatusChangeResult | RetireResult;

/** The agent a retirement names, by DID or by name. @throws `ERR_NOT_FOUND`. */
export async function agentOfTarget(ctx: NodeContext, target: string): Promise<AgentRecord> {
  const agents = await ctx.store.listAgents();
  const agent = agents.find((a) => a.did === target) ?? agents.find((a) => a.name === target);
  if (agent === undefined) throw legateError('ERR_NOT_FOUND', 'no agent of this node has that DID or name', { claim: 'target' });
  return agent;
}

/**
 * Checks that `target` can be changed this way now, so a change that could
 * never be carried out is refused when asked for, not when confirmed.
 * Returns the target as stored: a credential id, or the agent's DID.
 * @throws `ERR_NOT_FOUND` for a credential with no status entry here or an unknown agent; `ERR_CONFLICT` (reason `retired`) for a retired agent.
 */
export async function checkTarget(ctx: NodeContext, kind: ChangeKind, target: string): Promise<string> {
  if (typeof target !== 'string' || target.length === 0 || target.length > 2048) throw legateError('ERR_INVALID_ARGUMENT', 'a target credential id or agent is required', { claim: 'target' });
  if (kind === 'retire') {
    const agent = await agentOfTarget(ctx, target);
    if (agent.status !== 'active') throw legateError('ERR_CONFLICT', `agent ${agent.name} is already retired`, { claim: 'target', reason: 'retired' });
    return agent.did;
  }
  if ((await ctx.store.getStatusAllocations(target)).length === 0) {
    throw legateError('ERR_NOT_FOUND', 'the credential has no status entry in this node', { claim: 'target' });
  }
  return target;
}

/** Carries out `kind` on `target` (a credential id, or an agent DID), auditing `details` with it. */
export async function executeChange(ctx: NodeContext, kind: ChangeKind, target: string, details: Record<string, unknown>): Promise<ChangeResult> {
  if (kind === 'retire') {
    const agent = await agentOfTarget(ctx, target);
    return (await import('../retire.js')).retireAgent(ctx, agent.name, { details });
  }
  return (await import('../status.js')).changeStatus(ctx, target, kind, { details });
}
