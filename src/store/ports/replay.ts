/**
 * @module store/ports/replay
 *
 * One-time keys (message ids, nonces, action `jti`s, approvals), shared by
 * every instance using the store so all of them refuse the same replays.
 */

/** Claims of one-time keys until they expire. */
export interface ReplayRepository {
  /**
   * Claims a one-time key (a message id, nonce or jti) until `expiresAt`.
   * Returns false when the key is already claimed and not expired: a replay.
   * Expired claims are forgotten.
   */
  claimOnce(key: string, expiresAt: string, now: string): Promise<boolean>;
  /**
   * Claims several one-time keys (one message's: its id, nonces, proof
   * `jti`) until `expiresAt`, in one statement where the backend allows.
   * Returns the index of the first key already claimed and not expired (a
   * key named twice is claimed at its first index, so its second is one), or
   * -1 when every key is claimed now. When one is refused the others may be
   * claimed: a caller refusing the message rolls its transaction back, or
   * leaves claimed keys of a message it will not accept.
   */
  claimEach(keys: readonly string[], expiresAt: string, now: string): Promise<number>;
  /**
   * Reads, claims nothing: the index of the first of `keys` claimed and not
   * expired at `now` (a key named twice counts at its second index), or -1.
   * A check before the claim that commits with a decision, so a replay is
   * refused before the work of deciding; the claim itself stays the atomic
   * test.
   */
  firstClaimed(keys: readonly string[], now: string): Promise<number>;
}
