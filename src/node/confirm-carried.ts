/**
 * @module node/confirm-carried
 *
 * The ACE confirm an agent sends with its session's first action instead of
 * on its own (`POST /actions` `{ action, confirm }`): one round trip and one
 * commit fewer per handshake on both sides (#19). The answering node checks
 * it only once the action is verified, so only the agent the session is
 * bound to gets it looked at, and checks it as `POST /ace` does (addressed
 * to an active agent of this node, answering the acknowledge it names and
 * its challenge, signed by the agent acknowledged). A confirm that fails
 * refuses the request, action and all, with its code (claim `confirm…`).
 *
 * It is recorded with the action's decision: its one-time key claimed and
 * its audit entry written in the decision's transaction, just before the
 * action's entry. A confirm already recorded (a resend after an answer was
 * lost, or two first actions in flight) is left out, not refused: it says
 * nothing the first did not.
 */

import { legateError } from '../errors/index.js';
import { scopedError } from '../errors/scoped.js';
import type { ConfirmPayload } from '../handshake/types.js';
import { decodeCompactJws } from '../lib/jws.js';
import { auditConfirm, MAX_ACE_MESSAGE_LENGTH, verifyConfirm } from './ace.js';
import type { NodeContext } from './context.js';
import { claimHeldKeys, heldReplayCache, type HeldReplayCache } from './replay.js';

/** A confirm an action carried, verified; recorded by {@link recordCarriedConfirm}. */
export interface CarriedConfirm {
  confirm: ConfirmPayload;
  /** Its one-time keys, not claimed yet. */
  held: HeldReplayCache;
}

/**
 * Checks the confirm `token` an action by `agent` (its verified `iss`)
 * carried.
 * @throws LegateError with the failed check's code and a claim under
 * `confirm`: `ERR_MALFORMED` (not a confirm), `ERR_KID_INVALID` (`confirm.iss`:
 * from another agent than the action's), `ERR_NOT_FOUND`
 * (`confirm.inReplyTo`), `ERR_NONCE`, `ERR_SIGNATURE_INVALID`, `ERR_STALE`…
 */
export async function checkCarriedConfirm(ctx: NodeContext, token: string, agent: string): Promise<CarriedConfirm> {
  try {
    const payload = decodeCompactJws(token, MAX_ACE_MESSAGE_LENGTH).payload;
    if (payload.type !== 'confirm') throw legateError('ERR_MALFORMED', 'the message an action carries is a confirm', { claim: 'type' });
    // Before anything is read or resolved: only the action's own agent confirms with it.
    if (payload.iss !== agent) throw legateError('ERR_KID_INVALID', 'the confirm comes from another agent than the action', { claim: 'iss' });
    const held = heldReplayCache();
    const handling = await verifyConfirm(ctx, token, payload, held);
    return { confirm: handling.confirm!, held };
  } catch (error) {
    // Its code kept, its claim under `confirm`.
    throw scopedError(error, 'confirm', 'confirm');
  }
}

/**
 * Claims the confirm's one-time keys through `tx` (the action's decision's
 * transaction) and writes its audit entry; a confirm whose keys were claimed
 * before is left out.
 */
export async function recordCarriedConfirm(tx: NodeContext, carried: CarriedConfirm): Promise<void> {
  if (carried.held.held.length === 0) return;
  if ((await claimHeldKeys(tx.store, carried.held, tx.clock())) === -1) await auditConfirm(tx, carried.confirm);
}
