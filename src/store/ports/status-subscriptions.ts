/**
 * @module store/ports/status-subscriptions
 *
 * Partners subscribed to this node's status lists (revocation push, #17
 * item 5): one row per subscriber and list, each with an expiry. A
 * subscription is bounded per subscriber and in total; expired rows count
 * for nothing and are deleted by the next subscription.
 */

/** What {@link StatusSubscriptionRepository.putStatusSubscriptions} decided. */
export type SubscriptionOutcome = 'subscribed' | 'per-subscriber' | 'total';

/** How many live (unexpired) rows may exist. */
export interface SubscriptionBounds {
  /** Most lists one subscriber may be subscribed to. */
  perSubscriber: number;
  /** Most rows over every subscriber. */
  total: number;
}

/** Subscriptions to this node's status lists. */
export interface StatusSubscriptionRepository {
  /**
   * Subscribes `subscriber` to `listIds` until `expiresAt` (ISO 8601),
   * renewing the rows it holds already; first deletes every row expired by
   * `now`. Writes nothing and says which bound would be passed when the
   * subscriber's live rows or all live rows would exceed `bounds`. Call it in
   * a transaction so the count and the write are one decision.
   */
  putStatusSubscriptions(subscriber: string, listIds: readonly string[], expiresAt: string, now: string, bounds: SubscriptionBounds): Promise<SubscriptionOutcome>;
  /** The subscribers of list `listId` whose subscription runs past `now`, in DID order. */
  listStatusSubscribers(listId: string, now: string): Promise<string[]>;
}
