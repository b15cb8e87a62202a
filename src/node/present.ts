/**
 * @module node/present
 *
 * One of this node's agents presents its newest unexpired credentials (at
 * most 32 with their delegation chains from the store) to one verifier.
 */

import { legateError } from '../errors/index.js';
import { delegationOf } from '../delegation/delegate.js';
import type { AgentCapabilityCredential } from '../credential/types.js';
import { readUnverified } from '../credential/verify-secured.js';
import { isRecord } from '../lib/assert.js';
import { createPresentation, MAX_PRESENTED_CREDENTIALS } from '../presentation/create.js';
import type { AgentRecord } from '../store/types.js';
import type { NodeContext } from './context.js';
import { knownAgent } from './agents.js';
import { agentSigner } from './signers.js';

export interface PresentAsAgentOptions {
  agent: string;
  /** The verifier's DID. */
  audience: string;
  nonce: string;
}

/**
 * The credentials an agent of this node presents: its newest unexpired
 * ones, each followed by its chain of parents from the store, at most
 * {@link MAX_PRESENTED_CREDENTIALS} tokens in all (what one presentation
 * carries). A credential whose chain would not fit is left out and older
 * ones are tried, so an agent provisioned with many credentials still
 * presents, and the work is bounded however many it holds.
 * @throws LegateError `ERR_NOT_FOUND` when the agent holds no unexpired credential.
 */
export async function heldCredentials(ctx: NodeContext, agent: AgentRecord): Promise<string[]> {
  const at = ctx.clock().toISOString();
  const held = await ctx.store.listHeldCredentials({ subject: agent.did, at, limit: MAX_PRESENTED_CREDENTIALS });
  if (held.length === 0) {
    throw legateError('ERR_NOT_FOUND', `${agent.name} holds no unexpired credential; issue one with \`legate cap issue ${agent.name} --action <a> --resource <r>\``, {
      claim: 'agent',
    });
  }
  const tokens = new Set<string>();
  for (const record of held) {
    if (tokens.has(record.token)) continue;
    // The credential and the parents not presented yet; a parent missing here is the verifier's to report.
    const chain = [record.token];
    let parent = parentOf(record.token);
    while (parent !== undefined && tokens.size + chain.length <= MAX_PRESENTED_CREDENTIALS) {
      const link = await ctx.store.getCredential(parent);
      if (link === undefined || tokens.has(link.token) || chain.includes(link.token)) break;
      chain.push(link.token);
      parent = parentOf(link.token);
    }
    if (tokens.size + chain.length > MAX_PRESENTED_CREDENTIALS) continue;
    for (const token of chain) tokens.add(token);
  }
  return [...tokens];
}

/** The id of the parent credential a stored credential (JWT or Data Integrity JSON) names, if it is delegated. */
export function parentOf(token: string): string | undefined {
  const credential = readUnverified(token);
  if (credential === undefined || !isRecord(credential.credentialSubject)) return undefined;
  return delegationOf(credential as unknown as AgentCapabilityCredential).parent;
}

/**
 * Signs a `vp+jwt` for an agent of this node.
 * @throws LegateError `ERR_NOT_FOUND` when the agent holds no unexpired credential.
 */
export async function presentAsAgent(ctx: NodeContext, options: PresentAsAgentOptions): Promise<string> {
  const agent = await knownAgent(ctx, options.agent);
  return createPresentation({
    signer: await agentSigner(ctx, agent),
    credentials: await heldCredentials(ctx, agent),
    audience: options.audience,
    nonce: options.nonce,
    clock: ctx.clock,
  });
}
