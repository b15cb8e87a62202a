/**
 * @module store/sqlite/expiring
 *
 * What the SQLite backend keeps only for a while: handshake sessions this
 * node issued (with the chains behind them), sessions its agents hold with
 * peers, acknowledges awaiting a confirm; and the sweep that deletes every
 * row whose `expires_at` has passed, these and the one-time keys and usage
 * rows of `store/sqlite/registry`. Timestamps are ISO 8601 UTC text, so
 * `expires_at <= now` compares them correctly.
 *
 * A session row names its chains' credential JWTs by reference
 * (`sha256:<base64url SHA-256>` into `session_tokens`, written once with
 * `INSERT … ON CONFLICT`), so issuing a token on credentials already stored
 * writes a small row instead of their full text again. A stored JWT's expiry
 * is kept at or after that of every session naming it (raised, with an hour
 * to spare, only when a session outlives it), so a sweep that deletes the
 * expired JWTs never takes one a live session needs. Rows written before
 * migration 11 hold the JWTs themselves and are read as they are. Internal.
 */

import { hash as digestOf } from 'node:crypto';
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

/** Marks a session row whose chains are references (rows written before migration 11 are plain JSON, starting with `{`). */
const BY_REFERENCE = '@';
const REFERENCE = 'sha256:';
/** How long past the session that last needed it a stored JWT is kept: its row is rewritten at most once per this span. */
const TOKEN_SLACK_MS = 3_600_000;

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
  readonly #putToken;
  readonly #getToken;
  readonly #sweepTokens;

  constructor(db: Database) {
    // Raised only when this session outlives the stored expiry, so a JWT already stored is usually only looked up.
    this.#putToken = db.prepare<{ hash: string; token: string; expires_at: string; session_expires_at: string }>(
      `INSERT INTO session_tokens (hash, token, expires_at) VALUES (@hash, @token, @expires_at)
       ON CONFLICT (hash) DO UPDATE SET expires_at = excluded.expires_at WHERE session_tokens.expires_at < @session_expires_at`,
    );
    this.#getToken = db.prepare<[string], { token: string }>('SELECT token FROM session_tokens WHERE hash = ?');
    this.#sweepTokens = db.prepare<[string]>('DELETE FROM session_tokens WHERE expires_at <= ?');
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
    const until = Date.parse(session.expiresAt);
    const tokenExpiry = Number.isNaN(until) ? session.expiresAt : new Date(until + TOKEN_SLACK_MS).toISOString();
    const references = new Map<string, string>();
    // The JWTs first: a refused session row (a duplicate id) leaves at most JWT rows that expire, never a row naming a missing one.
    const chains = Object.fromEntries(
      Object.entries(session.chains).map(([leaf, tokens]) => [
        leaf,
        tokens.map((token) => {
          let reference = references.get(token);
          if (reference === undefined) {
            const hash = digestOf('sha256', token, 'base64url');
            this.#putToken.run({ hash, token, expires_at: tokenExpiry, session_expires_at: session.expiresAt });
            references.set(token, (reference = REFERENCE + hash));
          }
          return reference;
        }),
      ]),
    );
    this.#putSession.run({ id: session.id, chains: BY_REFERENCE + JSON.stringify(chains), expires_at: session.expiresAt });
  }

  getSession(id: string): SessionRecord | undefined {
    const row = this.#getSession.get(id);
    if (row === undefined) return undefined;
    const byReference = row.chains.startsWith(BY_REFERENCE);
    let chains: Record<string, string[]>;
    try {
      chains = JSON.parse(byReference ? row.chains.slice(BY_REFERENCE.length) : row.chains) as Record<string, string[]>;
    } catch (cause) {
      throw legateError('ERR_STORE', 'a stored session is corrupt', { cause });
    }
    if (byReference) {
      chains = Object.fromEntries(Object.entries(chains).map(([leaf, references]) => [leaf, (Array.isArray(references) ? references : [undefined]).map((reference) => this.#token(reference))]));
    }
    return { id: row.id, chains, expiresAt: row.expires_at };
  }

  #token(reference: unknown): string {
    const row = typeof reference === 'string' && reference.startsWith(REFERENCE) ? this.#getToken.get(reference.slice(REFERENCE.length)) : undefined;
    if (row === undefined) throw legateError('ERR_STORE', 'a stored session is corrupt (a credential it names is missing)');
    return row.token;
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
    // Bookkeeping, not reported: no session still in the table names a JWT whose expiry has passed.
    this.#sweepTokens.run(now);
    return result;
  }
}
