/**
 * @module node/key-retire
 *
 * Retires rotated-out keys once nothing they signed can be live any more
 * (`node/key-lifecycle` says when: the credentials they signed have expired
 * or been revoked, and the token grace after their rotation has passed). A
 * retired key signs nothing, leaves the DID document and the JWKS, and is
 * kept in the store for audit verification (`audit/key-history`); each
 * retirement is a `key-retire` audit entry. `legate key rotate` runs this
 * after rotating, and `legate serve` on its key-rotation schedule
 * (`node/key-schedule`). A key a credential with no `validUntil` still
 * needs is never retired here: revoke or reissue that credential first.
 */

import { audit } from './audit.js';
import { inTransaction, type NodeContext } from './context.js';
import { hasRotatedOutKeys, keyStates, markRetired } from './key-lifecycle.js';

/** One key retired by {@link retireKeys}. */
export interface RetiredKey {
  kid: string;
  controller: string;
}

/**
 * Retires every rotated-out key whose signed artifacts have all expired, at
 * the node's clock.
 * @returns the keys retired by this call.
 *
 * @example
 * ```ts
 * const retired = await retireKeys(node);
 * ```
 */
export async function retireKeys(ctx: NodeContext): Promise<RetiredKey[]> {
  const now = ctx.clock();
  // Most runs (serve's, every 15 minutes) find no rotated-out key: no credential is read then.
  if (!(await hasRotatedOutKeys(ctx))) return [];
  const due = (await keyStates(ctx)).filter((k) => k.liveUntil !== undefined && k.liveUntil !== 'forever' && Date.parse(k.liveUntil) <= now.getTime());
  const retired: RetiredKey[] = [];
  for (const key of due) {
    const done = await inTransaction(ctx, async (tx) => {
      // Another instance may have retired it since the states were read.
      if ((await tx.store.getKey(key.kid))?.status !== 'active') return false;
      await markRetired(tx, key.kid, { at: now.toISOString(), reason: 'expired' });
      await audit(tx, {
        type: 'key',
        decision: 'allow',
        action: 'key-retire',
        resource: key.kid,
        ...(key.agent === undefined ? {} : { agent: key.controller }),
        details: { controller: key.controller, kid: key.kid, rotatedOutAt: key.rotatedOutAt ?? null, liveUntil: key.liveUntil ?? null },
      });
      return true;
    });
    if (done) retired.push({ kid: key.kid, controller: key.controller });
  }
  return retired;
}
