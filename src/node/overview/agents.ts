/**
 * @module node/overview/agents
 *
 * The console's agent list: one page of this node's agents (by name), each
 * with its owner, DID method, status, key age and rotation due, and how
 * many credentials it holds here, by state. Bounded: at most
 * {@link MAX_AGENT_PAGE} agents a page, and at most
 * {@link MAX_CREDENTIALS_COUNTED} credentials counted per agent.
 */

import { legateError } from '../../errors/index.js';
import type { AgentRecord } from '../../store/types.js';
import type { NodeContext } from '../context.js';
import { newViewCache, viewCredential, type CredentialState } from '../credential-view.js';
import { agentRotationSeconds, keyAgeOf, type KeyAge } from './key-age.js';

export const MAX_AGENT_PAGE = 100;
export const DEFAULT_AGENT_PAGE = 25;
/** Credentials counted for one agent of the list (the detail page shows them). */
export const MAX_CREDENTIALS_COUNTED = 200;

export interface AgentSummary {
  agent: AgentRecord;
  key: KeyAge;
  /** Credentials held, by state; `more` when there were more than {@link MAX_CREDENTIALS_COUNTED}. */
  credentials: Record<CredentialState, number> & { more: boolean };
}

export interface AgentPage {
  agents: AgentSummary[];
  total: number;
  page: number;
  pages: number;
}

/**
 * Page `page` (from 1) of the agents, `limit` a page.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a page or limit out of range.
 */
export async function listAgentOverview(ctx: NodeContext, options: { page?: number; limit?: number } = {}): Promise<AgentPage> {
  const limit = options.limit ?? DEFAULT_AGENT_PAGE;
  const page = options.page ?? 1;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_AGENT_PAGE) {
    throw legateError('ERR_INVALID_ARGUMENT', `limit must be an integer from 1 to ${MAX_AGENT_PAGE}`, { claim: 'limit' });
  }
  if (!Number.isSafeInteger(page) || page < 1) throw legateError('ERR_INVALID_ARGUMENT', 'page must be a positive integer', { claim: 'page' });
  const all = (await ctx.store.listAgents()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rotation = await agentRotationSeconds(ctx);
  const cache = newViewCache();
  const agents: AgentSummary[] = [];
  for (const agent of all.slice((page - 1) * limit, page * limit)) {
    const rows = await ctx.store.pageCredentials({ subject: agent.did, limit: MAX_CREDENTIALS_COUNTED + 1 });
    const credentials = { active: 0, revoked: 0, suspended: 0, expired: 0, more: rows.length > MAX_CREDENTIALS_COUNTED };
    for (const row of rows.slice(0, MAX_CREDENTIALS_COUNTED)) credentials[(await viewCredential(ctx, row, cache)).state]++;
    agents.push({ agent, key: await keyAgeOf(ctx, agent, rotation), credentials });
  }
  return { agents, total: all.length, page, pages: Math.max(1, Math.ceil(all.length / limit)) };
}
