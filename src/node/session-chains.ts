/**
 * @module node/session-chains
 *
 * The chains behind the sessions this node issued, kept in memory (#19 item
 * 1): every action under a session re-checks them, and read them from the
 * store each time (the session row and its JWTs: two statements, two round
 * trips on PostgreSQL). A session row is never changed once written, and
 * only a sweep deletes it, once it has expired; so a row found is kept until
 * its `expiresAt` and never past it (after it, the store is asked, as
 * before). A session not found is never kept. Bounded, oldest out first.
 * Instance state: each node owns one.
 */

import type { Clock } from '../lib/clock.js';
import type { SessionRepository } from '../store/ports/sessions.js';

/** Most sessions whose chains are kept (a few MB at most: the chains hold references to stored JWTs' text). */
const MAX_KEPT_SESSIONS = 4096;

type Chains = Record<string, string[]>;

/**
 * A reader of sessions' chains that keeps what it found until the session expires.
 *
 * @example
 * ```ts
 * const chainsOf = keptSessionChains(store, clock);
 * const chains = await chainsOf(session.jti); // read once; from memory until the session expires
 * ```
 */
export function keptSessionChains(store: Pick<SessionRepository, 'getSession'>, clock: Clock): (id: string) => Promise<Chains | undefined> {
  const kept = new Map<string, { chains: Chains; until: number }>();
  return async (id) => {
    const now = clock().getTime();
    const found = kept.get(id);
    if (found !== undefined) {
      if (now < found.until) return found.chains;
      kept.delete(id);
    }
    const session = await store.getSession(id);
    if (session === undefined) return undefined;
    const until = Date.parse(session.expiresAt);
    if (Number.isFinite(until) && now < until) {
      // Shared by every later caller: frozen, so none can change what another reads.
      for (const links of Object.values(session.chains)) Object.freeze(links);
      Object.freeze(session.chains);
      if (kept.size >= MAX_KEPT_SESSIONS) kept.delete(kept.keys().next().value!);
      kept.set(id, { chains: session.chains, until });
    }
    return session.chains;
  };
}
