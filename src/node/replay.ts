/**
 * @module node/replay
 *
 * The node's replay cache, backed by its store so every instance sharing the
 * database refuses the same replays (message ids, nonces, action `jti`s,
 * approvals).
 */

import type { ReplayCache } from '../handshake/replay-cache.js';
import type { NodeContext } from './context.js';

export function storeReplayCache(ctx: NodeContext): ReplayCache {
  return {
    remember: (key, expiresAt) => ctx.store.claimOnce(key, expiresAt.toISOString(), ctx.clock().toISOString()),
    // A message's keys (its id, nonces) in one transaction: one commit instead of one per key.
    rememberEach: (keys, expiresAt) =>
      ctx.store.transaction(async (tx) => {
        const until = expiresAt.toISOString();
        const now = ctx.clock().toISOString();
        for (let i = 0; i < keys.length; i++) if (!(await tx.claimOnce(keys[i]!, until, now))) return i;
        return -1;
      }),
  };
}
