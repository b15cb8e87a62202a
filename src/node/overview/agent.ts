/**
 * @module node/overview/agent
 *
 * One agent for the console's detail page: its record, key age and rotation
 * due, the credentials it holds here (capabilities, constraints, state),
 * and the delegation tree below it. Bounded: at most
 * {@link MAX_AGENT_CREDENTIALS} credentials, and the tree's own bounds.
 */

import { legateError } from '../../errors/index.js';
import type { AgentRecord } from '../../store/types.js';
import type { NodeContext } from '../context.js';
import { newViewCache, viewCredential, type CredentialView } from '../credential-view.js';
import { delegationTree, type DelegationTree } from './delegation-tree.js';
import { agentRotationSeconds, keyAgeOf, type KeyAge } from './key-age.js';

export const MAX_AGENT_CREDENTIALS = 100;

export interface AgentOverview {
  agent: AgentRecord;
  key: KeyAge;
  credentials: CredentialView[];
  /** True when the agent holds more than {@link MAX_AGENT_CREDENTIALS} (`legate cap list --agent` pages through all). */
  moreCredentials: boolean;
  delegations: DelegationTree;
}

/**
 * The agent named `name` (or with DID `name`).
 * @throws LegateError `ERR_NOT_FOUND` for an agent this node does not have.
 */
export async function agentOverview(ctx: NodeContext, name: string): Promise<AgentOverview> {
  const agent = name.startsWith('did:') ? await ctx.store.getAgentByDid(name) : await ctx.store.getAgent(name);
  if (agent === undefined) throw legateError('ERR_NOT_FOUND', 'no such agent in this node', { claim: 'agent' });
  const cache = newViewCache();
  const rows = await ctx.store.pageCredentials({ subject: agent.did, limit: MAX_AGENT_CREDENTIALS + 1 });
  const credentials: CredentialView[] = [];
  for (const row of rows.slice(0, MAX_AGENT_CREDENTIALS)) credentials.push(await viewCredential(ctx, row, cache));
  return {
    agent,
    key: await keyAgeOf(ctx, agent, await agentRotationSeconds(ctx)),
    credentials,
    moreCredentials: rows.length > MAX_AGENT_CREDENTIALS,
    delegations: await delegationTree(ctx, agent.did, cache),
  };
}
