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
    // A message's keys (its id, nonces) in one statement: one commit instead of one per key.
    rememberEach: (keys, expiresAt) => ctx.store.claimEach(keys, expiresAt.toISOString(), ctx.clock().toISOString()),
  };
}
