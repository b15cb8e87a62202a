/**
 * @module node/replay
 *
 * The node's replay cache, backed by its store so every instance sharing the
 * database refuses the same replays (message ids, nonces, action `jti`s,
 * approvals).
 */

import { replayedError } from '../handshake/message.js';
import type { ReplayCache } from '../handshake/replay-cache.js';
import type { Store } from '../store/types.js';
import type { NodeContext } from './context.js';

export function storeReplayCache(ctx: NodeContext): ReplayCache {
  return {
    remember: (key, expiresAt) => ctx.store.claimOnce(key, expiresAt.toISOString(), ctx.clock().toISOString()),
    // A message's keys (its id, nonces) in one statement: one commit instead of one per key.
    rememberEach: (keys, expiresAt) => ctx.store.claimEach(keys, expiresAt.toISOString(), ctx.clock().toISOString()),
  };
}

/** A replay cache whose keys are claimed later, in the transaction that records the decision ({@link claimHeld}). */
export interface HeldReplayCache extends ReplayCache {
  /** What verification asked to remember, not claimed yet. */
  readonly held: readonly { key: string; expiresAt: Date }[];
}

/**
 * A replay cache that claims nothing yet: it holds what a verification asks
 * it to remember, for {@link claimHeld} to claim in the transaction that
 * records the decision. An action then commits once (its single-use claim,
 * its usage and its audit entry together), and of an action and its replay
 * only the one whose claim commits first is decided: the other's claim
 * meets it and its transaction rolls back. With `seen`, a key already
 * claimed is answered as a replay at once (a read, no commit), so a replay
 * is refused before any work of deciding, as when verification claimed it.
 */
export function heldReplayCache(seen?: { store: Pick<Store, 'firstClaimed'>; clock: () => Date }): HeldReplayCache {
  const held: { key: string; expiresAt: Date }[] = [];
  return {
    held,
    remember: async (key, expiresAt) => {
      if (seen !== undefined && (await seen.store.firstClaimed([key], seen.clock().toISOString())) !== -1) return false;
      held.push({ key, expiresAt });
      return true;
    },
    // A message's keys (its id, nonces) read in one statement; a key named twice is a replay at its second index.
    rememberEach: async (keys, expiresAt) => {
      const replayed = seen === undefined ? keys.findIndex((key, i) => keys.indexOf(key) !== i) : await seen.store.firstClaimed(keys, seen.clock().toISOString());
      if (replayed !== -1) return replayed;
      for (const key of keys) held.push({ key, expiresAt });
      return -1;
    },
  };
}

/**
 * Claims every key `cache` holds through `store` (a transaction's), in one
 * statement, until the latest expiry among them; the index of the first one
 * claimed before, or -1 (also when it holds none).
 */
export async function claimHeldKeys(store: Pick<Store, 'claimEach'>, cache: HeldReplayCache, now: Date): Promise<number> {
  if (cache.held.length === 0) return -1;
  const until = Math.max(...cache.held.map((h) => h.expiresAt.getTime()));
  return store.claimEach(
    cache.held.map((h) => h.key),
    new Date(until).toISOString(),
    now.toISOString(),
  );
}

/**
 * {@link claimHeldKeys}, for keys that must be new.
 * @throws VerificationError `ERR_REPLAY` (claim `claim`) when one was claimed before: the transaction must roll back.
 */
export async function claimHeld(store: Pick<Store, 'claimEach'>, cache: HeldReplayCache, now: Date, claim: string): Promise<void> {
  if ((await claimHeldKeys(store, cache, now)) !== -1) throw replayedError(claim);
}
