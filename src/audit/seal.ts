/**
 * @module audit/seal
 *
 * Sealing what a checkpoint covers: appends store entries light (not
 * deflated, store/sql/audit-pack), and once a signed checkpoint covers them
 * the store deflates them together in blocks (store `sealAuditEntries`),
 * smaller and cheaper than deflating each as it was appended. Texts,
 * hashes and checkpoints are unchanged; only how the rows are kept.
 *
 * The checkpoint job seals after each run (`node/audit-jobs`), an append
 * that wrote a checkpoint inline after it, and `checkpointAudit` after it.
 * One block at a time, each its own transaction, yielding to other work in
 * between: a backlog never holds the store or the event loop for long.
 */

import { nextTurn } from '../lib/next-turn.js';
import type { Store } from '../store/types.js';
import { BEFORE_CHAINS, coverageOf } from './heads.js';

/**
 * Seals every chain's entries the checkpoint `token` covers (never a
 * chain's head, which appends read back). Returns how many entries the new
 * blocks cover.
 *
 * @throws StoreError when the store fails; blocks sealed before stay sealed, the rest light until the next call.
 *
 * @example
 * ```ts
 * // What `legate serve`'s checkpoint job does after each run:
 * const last = await node.store.lastAuditCheckpoint();
 * if (last) await sealCheckpointed(node.store, last.token);
 * ```
 */
export async function sealCheckpointed(store: Store, token: string): Promise<number> {
  let sealed = 0;
  for (const [chain, { seq }] of coverageOf(token)) {
    // A checkpoint from before chains: its chain's entries were written before light packings, nothing to seal.
    if (chain === BEFORE_CHAINS) continue;
    for (;;) {
      const n = await store.sealAuditEntries(chain, seq);
      if (n === 0) break;
      sealed += n;
      await nextTurn();
    }
  }
  return sealed;
}
