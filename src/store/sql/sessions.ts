/**
 * @module store/sql/sessions
 *
 * Handshake state over a {@link SqlExecutor}: sessions this node issued
 * (their chains as JSON), sessions peers granted to its agents (replaced on
 * a second handshake), acknowledges awaiting a confirm. Each row carries its
 * expiry; `sweep` deletes expired ones. Internal.
 */

import { legateError } from '../../errors/index.js';
import type { SessionRepository } from '../ports/sessions.js';
import type { SqlExecutor } from './executor.js';

interface SessionRow {
  id: string;
  chains: string;
  expires_at: string;
}

interface PeerSessionRow {
  agent: string;
  peer: string;
  token: string;
  endpoint: string;
  expires_at: string;
}

interface AcknowledgeRow {
  id: string;
  payload: string;
  expires_at: string;
}

export function createSessionRepository(exec: SqlExecutor): SessionRepository {
  return {
    async putSession(session) {
      await exec.run('INSERT INTO sessions (id, chains, expires_at) VALUES (?, ?, ?)', [session.id, JSON.stringify(session.chains), session.expiresAt]);
    },
    async getSession(id) {
      const row = await exec.get<SessionRow>('SELECT id, chains, expires_at FROM sessions WHERE id = ?', [id]);
      if (row === undefined) return undefined;
      let chains: unknown;
      try {
        chains = JSON.parse(row.chains);
      } catch (cause) {
        throw legateError('ERR_STORE', 'a stored session is corrupt', { cause });
      }
      return { id: row.id, chains: chains as Record<string, string[]>, expiresAt: row.expires_at };
    },
    async putPeerSession(s) {
      await exec.run(
        `INSERT INTO peer_sessions (agent, peer, token, endpoint, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (agent, peer) DO UPDATE SET token = excluded.token, endpoint = excluded.endpoint, expires_at = excluded.expires_at`,
        [s.agent, s.peer, s.token, s.endpoint, s.expiresAt],
      );
    },
    async getPeerSession(agent, peer) {
      const row = await exec.get<PeerSessionRow>('SELECT agent, peer, token, endpoint, expires_at FROM peer_sessions WHERE agent = ? AND peer = ?', [
        agent,
        peer,
      ]);
      return row && { agent: row.agent, peer: row.peer, token: row.token, endpoint: row.endpoint, expiresAt: row.expires_at };
    },
    async putAcknowledge(ack) {
      await exec.run('INSERT INTO acknowledges (id, payload, expires_at) VALUES (?, ?, ?)', [ack.id, ack.payload, ack.expiresAt]);
    },
    async getAcknowledge(id) {
      const row = await exec.get<AcknowledgeRow>('SELECT id, payload, expires_at FROM acknowledges WHERE id = ?', [id]);
      return row && { id: row.id, payload: row.payload, expiresAt: row.expires_at };
    },
  };
}
