/**
 * @module node/present
 *
 * One of this node's agents presents every unexpired credential it holds,
 * each with its whole delegation chain from the store, to one verifier.
 */

import { legateError } from '../errors/index.js';
import { delegationOf } from '../delegation/delegate.js';
import type { AgentCapabilityCredential } from '../credential/types.js';
import { readUnverified } from '../credential/verify-secured.js';
import { isRecord } from '../lib/assert.js';
import { createPresentation } from '../presentation/create.js';
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
 * The unexpired credentials an agent of this node holds, each followed by its
 * chain of parents from the store: what it presents.
 * @throws LegateError `ERR_NOT_FOUND` when the agent holds no unexpired credential.
 */
export async function heldCredentials(ctx: NodeContext, agent: AgentRecord): Promise<string[]> {
  const now = ctx.clock().toISOString();
  const held = (await ctx.store.listCredentials({ subject: agent.did })).filter((c) => c.validUntil === undefined || c.validUntil > now);
  if (held.length === 0) {
    throw legateError('ERR_NOT_FOUND', `${agent.name} holds no unexpired credential; issue one with \`legate cap issue ${agent.name} --action <a> --resource <r>\``, {
      claim: 'agent',
    });
  }
  const tokens = new Set<string>();
  for (const record of held) {
    tokens.add(record.token);
    let parent = parentOf(record.token);
    while (parent !== undefined) {
      const link = await ctx.store.getCredential(parent);
      if (link === undefined || tokens.has(link.token)) break; // the verifier will report a missing parent
      tokens.add(link.token);
      parent = parentOf(link.token);
    }
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
