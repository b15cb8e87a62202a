/**
 * @module node/session-chains
 *
 * The chains behind the sessions this node issued, kept in memory (#19 item
 * 1): every action under a session re-checks them, and read them from the
 * store each time (the session row and its JWTs: two statements, two round
 * trips on PostgreSQL). A session row is never changed once written, and
 * only a sweep deletes it, once it has expired; so a row found is kept until
 * its `expiresAt` and never past it (after it, the store is asked, as
 * before). A session not found is never kept.
 *
 * Sessions with the same chains (an agent's every session, presenting the
 * same credentials) share one kept copy: each read from the store is a
 * fresh copy of every token's text, and 4,096 sessions held 7.5 MB of
 * copies of a few credentials in the soak. Bounded by sessions and by the
 * characters of the distinct chains kept, oldest session out first.
 * Instance state: each node owns one.
 */

import { createHash } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { SessionRepository } from '../store/ports/sessions.js';

/** Most sessions whose chains are kept. */
const MAX_KEPT_SESSIONS = 4096;
/** Most characters of distinct chains kept in all (a few MB): a session's chains can reach a presentation's 256 KB. */
const MAX_KEPT_CHARS = 4 * 1024 * 1024;

type Chains = Record<string, string[]>;

/** One distinct set of chains, shared by the kept sessions that have it. */
interface KeptChains {
  digest: string;
  chains: Chains;
  chars: number;
  sessions: number;
}

/** A SHA-256 over every leaf id and token of `chains`, in order, each ended by a NUL (neither holds one). */
function digestOf(chains: Chains): { digest: string; chars: number } {
  const hash = createHash('sha256');
  let chars = 0;
  for (const [leaf, links] of Object.entries(chains)) {
    hash.update(leaf).update('\0');
    chars += leaf.length;
    for (const link of links) {
      hash.update(link).update('\0');
      chars += link.length;
    }
    hash.update('\0');
  }
  return { digest: hash.digest('base64url'), chars };
}

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
  const sessions = new Map<string, { kept: KeptChains; until: number }>();
  const distinct = new Map<string, KeptChains>();
  let chars = 0;
  const drop = (id: string) => {
    const session = sessions.get(id);
    if (session === undefined) return;
    sessions.delete(id);
    if (--session.kept.sessions > 0) return;
    distinct.delete(session.kept.digest);
    chars -= session.kept.chars;
  };
  const dropOldest = () => drop(sessions.keys().next().value!);

  return async (id) => {
    const now = clock().getTime();
    const found = sessions.get(id);
    if (found !== undefined) {
      if (now < found.until) return found.kept.chains;
      drop(id);
    }
    const session = await store.getSession(id);
    if (session === undefined) return undefined;
    const until = Date.parse(session.expiresAt);
    if (!Number.isFinite(until) || now >= until) return session.chains;
    // Another call may have kept it while this one read.
    drop(id);
    const { digest, chars: size } = digestOf(session.chains);
    if (size > MAX_KEPT_CHARS) return session.chains;
    let kept = distinct.get(digest);
    if (kept === undefined) {
      while (sessions.size > 0 && chars + size > MAX_KEPT_CHARS) dropOldest();
      // Shared by every later caller: frozen, so none can change what another reads.
      for (const links of Object.values(session.chains)) Object.freeze(links);
      kept = { digest, chains: Object.freeze(session.chains), chars: size, sessions: 0 };
      distinct.set(digest, kept);
      chars += size;
    }
    // Counted before making room, so making room never drops the chains this session is about to share.
    kept.sessions++;
    while (sessions.size >= MAX_KEPT_SESSIONS) dropOldest();
    sessions.set(id, { kept, until });
    return kept.chains;
  };
}
