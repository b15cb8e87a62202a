/**
 * @module store/ports/idempotency
 *
 * Answers kept for retries (#15 item 6): a caller that repeats a request
 * under the same request id gets the answer it was given the first time,
 * and nothing is decided or recorded again. Shared by every instance using
 * the store, so a retry that lands on another instance is answered the same.
 * Each answer expires; a sweep deletes it.
 */

/** One stored answer. */
export interface StoredAnswer {
  /** Who asked and their request id (e.g. `authzen:<caller DID>:<request_id>`). Primary key. */
  key: string;
  /** SHA-256 of the canonical request (lowercase hex): the same key with another request is a conflict. */
  requestHash: string;
  /** The answer, as JSON text. */
  answer: string;
  /** After this, ISO 8601 UTC, the key is free again and a sweep deletes the row. */
  expiresAt: string;
}

/** Answers by key, until they expire. */
export interface IdempotencyRepository {
  /** The unexpired answer stored under `key` at `now` (ISO 8601 UTC), if any. */
  getAnswer(key: string, now: string): Promise<StoredAnswer | undefined>;
  /**
   * Stores an answer unless an unexpired one holds its key (an expired one
   * is replaced). Returns false when the key is taken: a concurrent request
   * got there first, and its answer is the one to return.
   */
  putAnswer(answer: StoredAnswer, now: string): Promise<boolean>;
  /** Deletes the answers expired at `now`; returns how many. */
  sweepAnswers(now: string): Promise<number>;
}
