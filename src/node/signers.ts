/**
 * @module node/signers
 *
 * Which key signs for a DID this node controls: the organization's newest
 * active key, or an agent's key.
 */

import { legateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import type { NodeContext } from './context.js';

/** The organization's newest active key, as a Signer. */
export async function organizationSigner(ctx: NodeContext): Promise<Signer> {
  // One read of the organization's keys: which is newest, its status and its sealed half.
  return ctx.keys.newestSigner(ctx.organization.did);
}

/**
 * A Signer for any DID this node holds keys for: the organization or one of its agents.
 * @throws StoreError `ERR_KEY_UNAVAILABLE` for a DID this node does not control.
 */
export async function signerFor(ctx: NodeContext, did: string): Promise<Signer> {
  if (did === ctx.organization.did) return organizationSigner(ctx);
  const agent = await ctx.store.getAgentByDid(did);
  if (agent === undefined) throw legateError('ERR_KEY_UNAVAILABLE', `this node holds no key for ${did}`, { claim: 'issuer' });
  return ctx.keys.signer(agent.kid);
}
