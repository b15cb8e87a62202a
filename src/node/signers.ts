/**
 * @module node/signers
 *
 * Which key signs for a DID this node controls: the organization's newest
 * active key, or an agent's newest active key (its first one until it is
 * rotated, see `node/key-rotate`). A session opened before an agent's
 * rotation is bound to the old key (`cnf.kid`), so its actions keep that key
 * while it is active ({@link agentSigner}'s `kid`).
 */

import { isLegateError, legateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import type { AgentRecord } from '../store/types.js';
import type { NodeContext } from './context.js';

/** The organization's newest active key, as a Signer. */
export async function organizationSigner(ctx: NodeContext): Promise<Signer> {
  // One read of the organization's keys: which is newest, its status and its sealed half.
  return ctx.keys.newestSigner(ctx.organization.did);
}

/**
 * A Signer for any DID this node holds keys for: the organization, one of its agents, or an operator's did:key.
 * @throws StoreError `ERR_KEY_UNAVAILABLE` for a DID this node does not control.
 */
export async function signerFor(ctx: NodeContext, did: string): Promise<Signer> {
  if (did === ctx.organization.did) return organizationSigner(ctx);
  const agent = await ctx.store.getAgentByDid(did);
  if (agent !== undefined) return agentSigner(ctx, agent);
  // Another DID whose key the node holds: a console operator's own did:key (node/operators).
  if (did.startsWith('did:key:') && (await ctx.keys.list(did)).length > 0) return ctx.keys.newestSigner(did);
  throw legateError('ERR_KEY_UNAVAILABLE', `this node holds no key for ${did}`, { claim: 'issuer' });
}

/**
 * The agent's newest active key, as a Signer; or the key `kid`, when given,
 * still active and the agent's (a session bound to the key it was opened with).
 * @throws StoreError `ERR_KEY_UNAVAILABLE` when the agent has no active key.
 */
export async function agentSigner(ctx: NodeContext, agent: Pick<AgentRecord, 'did'>, kid?: string): Promise<Signer> {
  if (kid !== undefined && kid.startsWith(`${agent.did}#`)) {
    // One read, as signing with the agent's one key always took: a retired or unknown key falls back to the newest.
    const signer = await ctx.keys.signer(kid).catch((error: unknown) => {
      if (isLegateError(error) && (error.code === 'ERR_KEY_UNAVAILABLE' || error.code === 'ERR_NOT_FOUND')) return undefined;
      throw error;
    });
    if (signer !== undefined) return signer;
  }
  return ctx.keys.newestSigner(agent.did);
}
