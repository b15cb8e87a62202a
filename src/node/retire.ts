/**
 * @module node/retire
 *
 * Retiring an agent: every credential issued to it, and every credential
 * delegated below those, is revoked; then the agent and its keys are marked
 * retired so nothing more is signed with them. One transaction: all of it
 * happens, or none.
 */

import type { AgentRecord } from '../store/types.js';
import { getAgent } from './agents.js';
import { inTransaction, type NodeContext } from './context.js';
import { parentOf } from './present.js';
import { changeStatus, credentialStatus } from './status.js';
import { audit } from './audit.js';

export interface RetireResult {
  agent: AgentRecord;
  /** Ids of the credentials revoked by this call (already revoked ones are left alone). */
  revoked: string[];
}

/**
 * Retires an agent and revokes its credentials and their delegates.
 * @throws LegateError `ERR_NOT_FOUND` for an unknown agent.
 *
 * @example
 * ```ts
 * const { revoked } = await retireAgent(node, 'alice');
 * ```
 */
export async function retireAgent(ctx: NodeContext, name: string): Promise<RetireResult> {
  const agent = await getAgent(ctx, name);
  return inTransaction(ctx, async (tx) => {
    const { store } = tx;
    const all = await store.listCredentials();
    const parents = new Map(all.map((c) => [c.id, parentOf(c.token)]));
    // The agent's own credentials, then every descendant of them, breadth first.
    const targets = new Set(all.filter((c) => c.subject === agent.did).map((c) => c.id));
    for (let grew = true; grew; ) {
      grew = false;
      for (const c of all) {
        const parent = parents.get(c.id);
        if (!targets.has(c.id) && parent !== undefined && targets.has(parent)) {
          targets.add(c.id);
          grew = true;
        }
      }
    }
    const revoked: string[] = [];
    for (const id of targets) {
      if ((await store.getStatusAllocations(id)).length === 0 || (await credentialStatus(tx, id)).revoked) continue;
      await changeStatus(tx, id, 'revoke');
      revoked.push(id);
    }
    // Only now: revoking a delegate re-signs the agent's own lists with its key.
    await store.setAgentStatus(agent.name, 'retired');
    for (const key of await store.listKeys(agent.did)) await store.setKeyStatus(key.kid, 'retired');
    await audit(tx, { type: 'agent', decision: 'allow', action: 'retire', agent: agent.did, owner: agent.owner, credentials: revoked.slice(0, 32) });
    return { agent: { ...agent, status: 'retired' as const }, revoked };
  });
}
