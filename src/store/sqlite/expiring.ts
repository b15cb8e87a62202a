/**
 * @module store/sqlite/expiring
 *
 * What the SQLite backend keeps only for a while: handshake sessions this
 * node issued (with the chains behind them), sessions its agents hold with
 * peers, acknowledges awaiting a confirm; and the sweep that deletes every
 * row whose `expires_at` has passed, these and the one-time keys and usage
 * rows of `store/sqlite/registry`. Timestamps are ISO 8601 UTC text, so
 * `expires_at <= now` compares them correctly. Internal.
 */

import type { Database } from 'better-sqlite3';
import { legateError } from '../../errors/index.js';
import type { AcknowledgeRecord, PeerSessionRecord, SessionRecord, SweepResult } from '../types.js';

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

/** The tables a sweep empties of expired rows, in the order of {@link SweepResult}. */
const SWEPT = [
  ['sessions', 'sessions'],
  ['peerSessions', 'peer_sessions'],
  ['acknowledges', 'acknowledges'],
  ['oneTimeKeys', 'one_time_keys'],
  // Usage rows without an expiry (written before it existed, or by a caller that gave none) stay.
  ['usage', 'usage'],
] as const satisfies readonly (readonly [keyof SweepResult, string])[];

export class ExpiringStatements {
  readonly #putSession;
  readonly #getSession;
  readonly #putPeerSession;
  readonly #getPeerSession;
  readonly #putAcknowledge;
  readonly #getAcknowledge;
  readonly #sweep;

  constructor(db: Database) {
    this.#putSession = db.prepare<SessionRow>('INSERT INTO sessions (id, chains, expires_at) VALUES (@id, @chains, @expires_at)');
    this.#getSession = db.prepare<[string], SessionRow>('SELECT id, chains, expires_at FROM sessions WHERE id = ?');
    this.#putPeerSession = db.prepare<PeerSessionRow>(
      `INSERT INTO peer_sessions (agent, peer, token, endpoint, expires_at) VALUES (@agent, @peer, @token, @endpoint, @expires_at)
       ON CONFLICT (agent, peer) DO UPDATE SET token = excluded.token, endpoint = excluded.endpoint, expires_at = excluded.expires_at`,
    );
    this.#getPeerSession = db.prepare<[string, string], PeerSessionRow>(
      'SELECT agent, peer, token, endpoint, expires_at FROM peer_sessions WHERE agent = ? AND peer = ?',
    );
    this.#putAcknowledge = db.prepare<AcknowledgeRow>(
      'INSERT INTO acknowledges (id, payload, expires_at) VALUES (@id, @payload, @expires_at)',
    );
    this.#getAcknowledge = db.prepare<[string], AcknowledgeRow>('SELECT id, payload, expires_at FROM acknowledges WHERE id = ?');
    this.#sweep = SWEPT.map(
      ([name, table]) => [name, db.prepare<[string]>(`DELETE FROM ${table} WHERE expires_at IS NOT NULL AND expires_at <= ?`)] as const,
    );
  }

  putSession(session: SessionRecord): void {
    this.#putSession.run({ id: session.id, chains: JSON.stringify(session.chains), expires_at: session.expiresAt });
  }

  getSession(id: string): SessionRecord | undefined {
    const row = this.#getSession.get(id);
    if (row === undefined) return undefined;
    let chains: unknown;
    try {
      chains = JSON.parse(row.chains);
    } catch (cause) {
      throw legateError('ERR_STORE', 'a stored session is corrupt', { cause });
    }
    return { id: row.id, chains: chains as Record<string, string[]>, expiresAt: row.expires_at };
  }

  putPeerSession(session: PeerSessionRecord): void {
    this.#putPeerSession.run({
      agent: session.agent,
      peer: session.peer,
      token: session.token,
      endpoint: session.endpoint,
      expires_at: session.expiresAt,
    });
  }

  getPeerSession(agent: string, peer: string): PeerSessionRecord | undefined {
    const row = this.#getPeerSession.get(agent, peer);
    return row && { agent: row.agent, peer: row.peer, token: row.token, endpoint: row.endpoint, expiresAt: row.expires_at };
  }

  putAcknowledge(acknowledge: AcknowledgeRecord): void {
    this.#putAcknowledge.run({ id: acknowledge.id, payload: acknowledge.payload, expires_at: acknowledge.expiresAt });
  }

  getAcknowledge(id: string): AcknowledgeRecord | undefined {
    const row = this.#getAcknowledge.get(id);
    return row && { id: row.id, payload: row.payload, expiresAt: row.expires_at };
  }

  /** Deletes expired rows of every table; the caller runs it in one transaction. */
  sweep(now: string): SweepResult {
    const result: SweepResult = { sessions: 0, peerSessions: 0, acknowledges: 0, oneTimeKeys: 0, usage: 0 };
    for (const [name, statement] of this.#sweep) result[name] = statement.run(now).changes;
    return result;
  }
}
