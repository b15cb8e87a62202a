/**
 * @module store/ports/agents
 *
 * The agents a node registers (their names, DIDs, owners and current key).
 */

import type { AgentRecord, AgentStatus } from '../types.js';

/** Agents by name and DID; a duplicate name or DID is `ERR_CONFLICT`, a status change of a missing one `ERR_NOT_FOUND`. */
export interface AgentRepository {
  putAgent(agent: AgentRecord): Promise<void>;
  getAgent(name: string): Promise<AgentRecord | undefined>;
  getAgentByDid(did: string): Promise<AgentRecord | undefined>;
  /** Every agent, ordered by name. */
  listAgents(): Promise<AgentRecord[]>;
  setAgentStatus(name: string, status: AgentStatus): Promise<void>;
}
