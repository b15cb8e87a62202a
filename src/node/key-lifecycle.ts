/**
 * @module node/key-lifecycle
 *
 * What each key of this node still signs, and so when it may be retired.
 * A key stops signing when the next key of its controller is made (a
 * rotation): that moment is the successor's `createdAt`, so no extra column
 * is needed. After it, what the key signed can still be live:
 *
 * - credentials it signed, until their `validUntil`; one with no
 *   `validUntil` keeps its key for good (it is never stranded), unless it is
 *   revoked;
 * - status lists and trust lists it signed (valid a day), access tokens
 *   (`oauth.accessTokenLifetime`) and session tokens (`sessionLifetime`):
 *   the longest of these after the rotation (the *token grace*).
 *
 * Checkpoints it signed live for ever, but for audit only: a retired key
 * stays in the store, and `audit/key-history` answers for it when the audit
 * log is verified. A retirement (when, why, and for a compromise since when)
 * is kept on the key's row (`KeyRecord.retirement`), written with its audit
 * entry.
 */

import { parseDuration, longestMs } from '../lib/duration.js';
import { decodeCompactJws } from '../lib/jws.js';
import { getBit } from '../status/bitstring.js';
import { STATUS_LIST_VALIDITY } from '../status/policy.js';
import type { CredentialRecord, KeyRecord, KeyRetirement, KeyStatus } from '../store/types.js';
import type { NodeContext } from './context.js';
import { TRUST_LIST_VALIDITY } from './registry.js';

export type { KeyRetirement } from '../store/types.js';

/** Retires `kid` now and records why (call inside the transaction that writes its audit entry). */
export async function markRetired(ctx: Pick<NodeContext, 'store'>, kid: string, retirement: KeyRetirement): Promise<void> {
  await ctx.store.retireKey(kid, retirement);
}

/** The kid that signed a stored credential: the JWS header's `kid`, or the Data Integrity proof's `verificationMethod`. */
export function signingKidOf(record: Pick<CredentialRecord, 'format' | 'token'>): string | undefined {
  try {
    if (record.format === 'vc+jwt') {
      const { kid } = decodeCompactJws(record.token).header;
      return typeof kid === 'string' ? kid : undefined;
    }
    const proof = (JSON.parse(record.token) as { proof?: unknown }).proof;
    const first = (Array.isArray(proof) ? proof[0] : proof) as { verificationMethod?: unknown } | undefined;
    return typeof first?.verificationMethod === 'string' ? first.verificationMethod : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long tokens a key signed can outlive its rotation, in ms: the longest
 * of a status list's and the trust list's validity, an access token's and a
 * session token's lifetime.
 */
export function tokenGraceMs(ctx: Pick<NodeContext, 'oauth' | 'sessionLifetimeSeconds'>): number {
  return Math.max(
    longestMs(parseDuration(STATUS_LIST_VALIDITY)),
    longestMs(parseDuration(TRUST_LIST_VALIDITY)),
    ctx.oauth.accessTokenLifetimeSeconds * 1000,
    ctx.sessionLifetimeSeconds * 1000,
  );
}

/** One key, as `legate key list` shows it. */
export interface KeyState {
  kid: string;
  controller: string;
  /** The agent whose key it is; absent for the organization's. */
  agent?: string;
  status: KeyStatus;
  createdAt: string;
  /** Whether it is the key its controller signs with now. */
  current: boolean;
  /** When the next key of its controller was made: it signs nothing new since. */
  rotatedOutAt?: string;
  retiredAt?: string;
  retiredReason?: KeyRetirement['reason'];
  compromisedSince?: string;
  /** What it signed that is still live. */
  signs: {
    /** Credentials it signed, unexpired and not revoked. */
    credentials: number;
    /** Of those, the ones with no `validUntil`: they keep the key for good. */
    withoutExpiry: number;
    /** Until when tokens it signed (status and trust lists, access and session tokens) can be live; absent for a current key. */
    tokensUntil?: string;
  };
  /**
   * When it may be retired: `forever` while a live credential with no
   * `validUntil` needs it; absent for a current or retired key.
   */
  liveUntil?: string;
}

/** Credentials by the kid that signed them: live ones only (unexpired at `now`, not revoked). */
async function liveCredentialsByKid(ctx: NodeContext, now: Date): Promise<Map<string, CredentialRecord[]>> {
  const byKid = new Map<string, CredentialRecord[]>();
  // Each list's bits read once for the whole scan, not once per credential.
  const lists = new Map<string, Promise<Uint8Array | undefined>>();
  const bitsOf = (id: string) => {
    let bits = lists.get(id);
    if (bits === undefined) lists.set(id, (bits = ctx.store.getStatusList(id).then((l) => l?.bits)));
    return bits;
  };
  for (const record of await ctx.store.listCredentials()) {
    if (record.validUntil !== undefined && Date.parse(record.validUntil) <= now.getTime()) continue;
    const kid = signingKidOf(record);
    if (kid === undefined) continue;
    const revocation = (await ctx.store.getStatusAllocations(record.id)).find((a) => a.purpose === 'revocation');
    const bits = revocation === undefined ? undefined : await bitsOf(revocation.listId);
    if (revocation !== undefined && bits !== undefined && getBit(bits, revocation.index)) continue;
    const list = byKid.get(kid) ?? [];
    list.push(record);
    byKid.set(kid, list);
  }
  return byKid;
}

/** Whether some controller has an active key besides its newest: only then may a key be due for retirement. */
export async function hasRotatedOutKeys(ctx: Pick<NodeContext, 'store'>): Promise<boolean> {
  const active = new Map<string, number>();
  for (const key of await ctx.store.listKeys()) if (key.status === 'active') active.set(key.controller, (active.get(key.controller) ?? 0) + 1);
  return [...active.values()].some((n) => n > 1);
}

/**
 * Every key of this node (the organization's and its agents'), oldest first
 * per controller, with what it still signs at the node's clock.
 *
 * @example
 * ```ts
 * for (const key of await keyStates(node)) console.log(key.kid, key.status, key.liveUntil);
 * ```
 */
export async function keyStates(ctx: NodeContext): Promise<KeyState[]> {
  const now = ctx.clock();
  const grace = tokenGraceMs(ctx);
  const agents = new Map((await ctx.store.listAgents()).map((a) => [a.did, a.name]));
  const all = await ctx.store.listKeys();
  const byController = new Map<string, KeyRecord[]>();
  for (const key of all) byController.set(key.controller, [...(byController.get(key.controller) ?? []), key]);
  const live = await liveCredentialsByKid(ctx, now);
  const states: KeyState[] = [];
  for (const [controller, keys] of byController) {
    const newestActive = keys.filter((k) => k.status === 'active').at(-1)?.kid;
    for (const [i, key] of keys.entries()) {
      const credentials = live.get(key.kid) ?? [];
      const withoutExpiry = credentials.filter((c) => c.validUntil === undefined).length;
      const successor = keys[i + 1];
      const retirement = key.status === 'retired' ? key.retirement : undefined;
      const state: KeyState = {
        kid: key.kid,
        controller,
        ...(agents.has(controller) ? { agent: agents.get(controller)! } : {}),
        status: key.status,
        createdAt: key.createdAt,
        current: key.kid === newestActive,
        ...(successor === undefined ? {} : { rotatedOutAt: successor.createdAt }),
        ...(retirement === undefined ? {} : { retiredAt: retirement.at, retiredReason: retirement.reason }),
        ...(retirement?.compromisedSince === undefined ? {} : { compromisedSince: retirement.compromisedSince }),
        signs: { credentials: credentials.length, withoutExpiry },
      };
      if (key.status === 'active' && successor !== undefined && !state.current) {
        const tokensUntil = Date.parse(successor.createdAt) + grace;
        state.signs.tokensUntil = new Date(tokensUntil).toISOString();
        const until = credentials.reduce((max, c) => Math.max(max, c.validUntil === undefined ? Infinity : Date.parse(c.validUntil)), tokensUntil);
        state.liveUntil = until === Infinity ? 'forever' : new Date(until).toISOString();
      }
      states.push(state);
    }
  }
  return states;
}
