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
 * takes one a live session needs. As every token an agent gets names the
 * same few JWTs, a session row is first inserted on the condition, in the
 * same statement, that each is stored that long already (one statement, no
 * JWT text bound); only when one is not are the JWTs written, then the row.
 * Rows holding the JWTs themselves (written before migration 11, or by a
 * backend without the table) are read as they are.
 *
 * `keepSession` keeps a row whose id is a hash of its chains (the chains
 * behind access tokens, shared by every token granted on them): it is read
 * first and written only when absent or ending too soon, then kept an hour
 * longer than asked. Internal.
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
  confirm: string | null;
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

/** Most JWTs one statement writes or checks (a session names a few; more are written in further statements, not checked first). */
const MAX_TOKENS_PER_STATEMENT = 32;

/** A session's chains as references, and the JWTs they name (text → base64url SHA-256), each once. */
function referencesOf(session: SessionRecord): { chains: Record<string, string[]>; tokens: Map<string, string> } {
  const tokens = new Map<string, string>();
  const chains: Record<string, string[]> = {};
  for (const [leaf, list] of Object.entries(session.chains)) {
    chains[leaf] = list.map((token) => {
      let hash = tokens.get(token);
      if (hash === undefined) tokens.set(token, (hash = digestOf('sha256', token, 'base64url')));
      return REFERENCE + hash;
    });
  }
  return { chains, tokens };
}

/**
 * Writes each JWT once into `session_tokens`, with `INSERT … ON CONFLICT`:
 * a JWT already stored is only looked up, its expiry raised (to the
 * session's end and {@link TOKEN_SLACK_MS}) only when the session outlives it.
 */
async function storeTokens(exec: SqlExecutor, session: SessionRecord, tokens: Map<string, string>): Promise<void> {
  const end = Date.parse(session.expiresAt);
  const tokenExpiry = Number.isNaN(end) ? session.expiresAt : new Date(end + TOKEN_SLACK_MS).toISOString();
  // Each distinct JWT once (a statement may not name a row twice).
  const distinct = [...tokens];
  for (let start = 0; start < distinct.length; start += MAX_TOKENS_PER_STATEMENT) {
    const part = distinct.slice(start, start + MAX_TOKENS_PER_STATEMENT);
    await exec.run(
      `INSERT INTO session_tokens (hash, token, expires_at) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
       ON CONFLICT (hash) DO UPDATE SET expires_at = excluded.expires_at WHERE session_tokens.expires_at < ?`,
      [...part.flatMap(([token, hash]) => [hash, token, tokenExpiry]), session.expiresAt],
    );
  }
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
      if (exec.hooks?.sessionTokens !== true) {
        await exec.run('INSERT INTO sessions (id, chains, expires_at) VALUES (?, ?, ?)', [session.id, JSON.stringify(session.chains), session.expiresAt]);
        return;
      }
      const { chains, tokens } = referencesOf(session);
      const row = [session.id, BY_REFERENCE + JSON.stringify(chains), session.expiresAt];
      if (tokens.size > 0 && tokens.size <= MAX_TOKENS_PER_STATEMENT) {
        // Every token an agent gets names the same few JWTs: usually they are stored already, long enough, and the row
        // is all there is to write. Inserted only if each is; otherwise nothing is written yet.
        const hashes = [...tokens.values()];
        const { changes } = await exec.run(
          `INSERT INTO sessions (id, chains, expires_at) SELECT ?, ?, ?
           WHERE ${hashes.map(() => '(SELECT expires_at FROM session_tokens WHERE hash = ?) >= ?').join(' AND ')}`,
          [...row, ...hashes.flatMap((hash) => [hash, session.expiresAt])],
        );
        if (changes === 1) return;
      }
      // The JWTs first: a refused session row (a duplicate id) leaves at most JWT rows that expire, never a row naming a missing one.
      await storeTokens(exec, session, tokens);
      await exec.run('INSERT INTO sessions (id, chains, expires_at) VALUES (?, ?, ?)', row);
    },
    async keepSession(session) {
      // Usually kept long enough already: one read, nothing written.
      const row = await exec.get<{ expires_at: string }>('SELECT expires_at FROM sessions WHERE id = ?', [session.id]);
      if (row !== undefined && row.expires_at >= session.expiresAt) return;
      const end = Date.parse(session.expiresAt);
      const kept = { ...session, expiresAt: Number.isNaN(end) ? session.expiresAt : new Date(end + TOKEN_SLACK_MS).toISOString() };
      let chains = JSON.stringify(kept.chains);
      if (exec.hooks?.sessionTokens === true) {
        const references = referencesOf(kept);
        // The JWTs first, kept at least as long as the row naming them.
        await storeTokens(exec, kept, references.tokens);
        chains = BY_REFERENCE + JSON.stringify(references.chains);
      }
      await exec.run(
        `INSERT INTO sessions (id, chains, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE sessions.expires_at < excluded.expires_at`,
        [kept.id, chains, kept.expiresAt],
      );
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
        `INSERT INTO peer_sessions (agent, peer, token, endpoint, expires_at, confirm) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (agent, peer) DO UPDATE SET token = excluded.token, endpoint = excluded.endpoint, expires_at = excluded.expires_at, confirm = excluded.confirm`,
        [s.agent, s.peer, s.token, s.endpoint, s.expiresAt, s.confirm ?? null],
      );
    },
    async getPeerSession(agent, peer) {
      const row = await exec.get<PeerSessionRow>('SELECT agent, peer, token, endpoint, expires_at, confirm FROM peer_sessions WHERE agent = ? AND peer = ?', [
        agent,
        peer,
      ]);
      return row && { agent: row.agent, peer: row.peer, token: row.token, endpoint: row.endpoint, expiresAt: row.expires_at, ...(row.confirm === null ? {} : { confirm: row.confirm }) };
    },
    async forgetPeerConfirm(agent, peer, confirm) {
      await exec.run('UPDATE peer_sessions SET confirm = NULL WHERE agent = ? AND peer = ? AND confirm = ?', [agent, peer, confirm]);
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
