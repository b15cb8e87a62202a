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
}
