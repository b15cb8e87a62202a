/**
 * @module store/sql/agents
 *
 * Agents by name and DID over a {@link SqlExecutor}: a duplicate name or DID
 * is a unique violation (`ERR_CONFLICT`, claim `name` or `did`), a status
 * change of a missing agent `ERR_NOT_FOUND`. Internal.
 */

import { legateError } from '../../errors/index.js';
import type { AgentRepository } from '../ports/agents.js';
import type { AgentMethod, AgentRecord, AgentStatus } from '../types.js';
import type { SqlExecutor } from './executor.js';

interface AgentRow {
  name: string;
  did: string;
  owner: string;
  method: AgentMethod;
  status: AgentStatus;
  kid: string;
  created_at: string;
}

const COLUMNS = 'name, did, owner, method, status, kid, created_at';
/** The hot statements' text, built once (the statement cache is keyed by it). */
const BY_NAME = `SELECT ${COLUMNS} FROM agents WHERE name = ?`;
const BY_DID = `SELECT ${COLUMNS} FROM agents WHERE did = ?`;

function agentFromRow(row: AgentRow): AgentRecord {
  return { name: row.name, did: row.did, owner: row.owner, method: row.method, status: row.status, kid: row.kid, createdAt: row.created_at };
}

export function createAgentRepository(exec: SqlExecutor): AgentRepository {
  return {
    async putAgent(agent) {
      await exec.run(`INSERT INTO agents (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
        agent.name,
        agent.did,
        agent.owner,
        agent.method,
        agent.status,
        agent.kid,
        agent.createdAt,
      ]);
    },
    async getAgent(name) {
      const row = await exec.get<AgentRow>(BY_NAME, [name]);
      return row && agentFromRow(row);
    },
    async getAgentByDid(did) {
      const row = await exec.get<AgentRow>(BY_DID, [did]);
      return row && agentFromRow(row);
    },
    async listAgents() {
      return (await exec.all<AgentRow>(`SELECT ${COLUMNS} FROM agents ORDER BY name`)).map(agentFromRow);
    },
    async setAgentStatus(name, status) {
      const { changes } = await exec.run('UPDATE agents SET status = ? WHERE name = ?', [status, name]);
      if (changes === 0) throw legateError('ERR_NOT_FOUND', 'no such agent', { claim: 'name' });
    },
  };
}
