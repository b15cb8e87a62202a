/**
 * @module store/sql/sessions
 *
 * Handshake state over a {@link SqlExecutor}: sessions this node issued
 * (their chains as JSON), sessions peers granted to its agents (replaced on
 * a second handshake), acknowledges awaiting a confirm. Each row carries its
 * expiry; `sweep` deletes expired ones.
 *
 * Where the backend keeps `session_tokens` (SQLite, migration 11; see
 * `SqlDriverHooks.sessionTokens`), a session row names its chains'
 * credential JWTs by reference (`sha256:<base64url SHA-256>`, the row
 * marked by a leading `@`), each JWT written once with `INSERT … ON
 * CONFLICT`, so issuing a token on credentials already stored writes a small
 * row instead of their full text again. A stored JWT's expiry is kept at or
 * after that of every session naming it (raised, with an hour to spare, only
 * when a session outlives it), so a sweep that deletes the expired JWTs never
 * takes one a live session needs. Rows holding the JWTs themselves (written
 * before migration 11, or by a backend without the table) are read as they
 * are. Internal.
 */

import { hash as digestOf } from 'node:crypto';
import { legateError } from '../../errors/index.js';
import type { SessionRepository } from '../ports/sessions.js';
import type { SessionRecord } from '../types.js';
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

/** Marks a session row whose chains are references (rows holding the JWTs are plain JSON, starting with `{`). */
const BY_REFERENCE = '@';
const REFERENCE = 'sha256:';
/** How long past the session that last needed it a stored JWT is kept: its row is rewritten at most once per this span. */
const TOKEN_SLACK_MS = 3_600_000;

/** Most JWTs one statement writes (a session names a few; more are written in further statements). */
const MAX_TOKENS_PER_STATEMENT = 32;

/** Writes each JWT of `session` once into `session_tokens`, in one statement; the chains as references. */
async function storeTokens(exec: SqlExecutor, session: SessionRecord): Promise<Record<string, string[]>> {
  const until = Date.parse(session.expiresAt);
  const tokenExpiry = Number.isNaN(until) ? session.expiresAt : new Date(until + TOKEN_SLACK_MS).toISOString();
  const references = new Map<string, string>();
  const chains: Record<string, string[]> = {};
  for (const [leaf, tokens] of Object.entries(session.chains)) {
    chains[leaf] = tokens.map((token) => {
      let reference = references.get(token);
      if (reference === undefined) references.set(token, (reference = REFERENCE + digestOf('sha256', token, 'base64url')));
      return reference;
    });
  }
  // Each distinct JWT once (a statement may not name a row twice); its expiry raised only when this session outlives it,
  // so a JWT already stored is usually only looked up.
  const distinct = [...references];
  for (let start = 0; start < distinct.length; start += MAX_TOKENS_PER_STATEMENT) {
    const part = distinct.slice(start, start + MAX_TOKENS_PER_STATEMENT);
    await exec.run(
      `INSERT INTO session_tokens (hash, token, expires_at) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
       ON CONFLICT (hash) DO UPDATE SET expires_at = excluded.expires_at WHERE session_tokens.expires_at < ?`,
      [...part.flatMap(([token, reference]) => [reference.slice(REFERENCE.length), token, tokenExpiry]), session.expiresAt],
    );
  }
  return chains;
}

async function tokenOf(exec: SqlExecutor, reference: unknown): Promise<string> {
  const row =
    typeof reference === 'string' && reference.startsWith(REFERENCE)
      ? await exec.get<{ token: string }>('SELECT token FROM session_tokens WHERE hash = ?', [reference.slice(REFERENCE.length)])
      : undefined;
  if (row === undefined) throw legateError('ERR_STORE', 'a stored session is corrupt (a credential it names is missing)');
  return row.token;
}

export function createSessionRepository(exec: SqlExecutor): SessionRepository {
  return {
    async putSession(session) {
      // The JWTs first: a refused session row (a duplicate id) leaves at most JWT rows that expire, never a row naming a missing one.
      const chains = exec.hooks?.sessionTokens === true ? BY_REFERENCE + JSON.stringify(await storeTokens(exec, session)) : JSON.stringify(session.chains);
      await exec.run('INSERT INTO sessions (id, chains, expires_at) VALUES (?, ?, ?)', [session.id, chains, session.expiresAt]);
    },
    async getSession(id) {
      const row = await exec.get<SessionRow>('SELECT id, chains, expires_at FROM sessions WHERE id = ?', [id]);
      if (row === undefined) return undefined;
      const byReference = row.chains.startsWith(BY_REFERENCE);
      let chains: Record<string, string[]>;
      try {
        chains = JSON.parse(byReference ? row.chains.slice(BY_REFERENCE.length) : row.chains) as Record<string, string[]>;
      } catch (cause) {
        throw legateError('ERR_STORE', 'a stored session is corrupt', { cause });
      }
      if (byReference) {
        const resolved: Record<string, string[]> = {};
        for (const [leaf, references] of Object.entries(chains)) {
          resolved[leaf] = [];
          for (const reference of Array.isArray(references) ? references : [undefined]) resolved[leaf].push(await tokenOf(exec, reference));
        }
        chains = resolved;
      }
      return { id: row.id, chains, expiresAt: row.expires_at };
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
