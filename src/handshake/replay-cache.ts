/**
 * @module handshake/replay-cache
 *
 * Replay protection for handshake messages and signed actions (DESIGN
 * "Handshake (ACE) and sessions": messages are rejected on replay). A
 * {@link ReplayCache} remembers message ids, nonces and `jti`s until the
 * moment a replay would be refused as stale anyway. The in-memory
 * {@link MemoryReplayCache} is bounded and fails closed when full; a node
 * running several instances backs the interface with its shared store.
 */

import { legateError } from '../errors/index.js';
import { assertNonEmptyString, assertPositiveInteger } from '../lib/assert.js';
import { systemClock, type Clock } from '../lib/clock.js';

/**
 * Remembers keys until they expire. Implementations must make
 * {@link ReplayCache.remember} atomic (insert if absent), so that two
 * concurrent deliveries of one message cannot both be accepted.
 */
export interface ReplayCache {
  /**
   * Records `key` until `expiresAt`. Resolves true when the key was not
   * already recorded (first sight), false when it was (a replay). May reject
   * with a LegateError when it cannot decide (full, store down): callers
   * treat that as a failed check, never as first sight.
   */
  remember(key: string, expiresAt: Date): Promise<boolean>;
  /**
   * Optional: records `keys` and resolves the index of the first one that
   * was already recorded, or -1 when every key was a first sight. When one
   * was, the others may be recorded as well (the message is refused either
   * way, and its keys are its own). A store-backed cache answers in one
   * statement instead of one transaction per key.
   */
  rememberEach?(keys: readonly string[], expiresAt: Date): Promise<number>;
}

/** Options of {@link MemoryReplayCache}. */
export interface MemoryReplayCacheOptions {
  /** Most keys held at once; default 100,000. */
  maxEntries?: number;
  clock?: Clock;
}

/** Longest key accepted, in characters; keys embed DIDs and ids that are bounded by their schemas. */
const MAX_KEY_LENGTH = 4096;

/**
 * A bounded in-memory {@link ReplayCache} for one process. Expired keys are
 * swept when the cache fills; when it is still full, `remember` rejects with
 * `ERR_RATE_LIMITED` instead of forgetting a live key (which would re-open a
 * replay window).
 *
 * @example
 * ```ts
 * const replay = new MemoryReplayCache({ maxEntries: 10_000 });
 * await replay.remember('action:jti did:key:z6Mk… urn:uuid:1', new Date(Date.now() + 120_000)); // true
 * await replay.remember('action:jti did:key:z6Mk… urn:uuid:1', new Date(Date.now() + 120_000)); // false: replay
 * ```
 */
export class MemoryReplayCache implements ReplayCache {
  readonly #entries = new Map<string, number>();
  readonly #max: number;
  readonly #clock: Clock;

  constructor(options: MemoryReplayCacheOptions = {}) {
    const max = options.maxEntries ?? 100_000;
    assertPositiveInteger(max, 'maxEntries');
    this.#max = max;
    this.#clock = options.clock ?? systemClock;
  }

  remember(key: string, expiresAt: Date): Promise<boolean> {
    assertNonEmptyString(key, 'key');
    if (key.length > MAX_KEY_LENGTH) throw new RangeError(`key must be at most ${MAX_KEY_LENGTH} characters`);
    if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) throw new TypeError('expiresAt must be a valid Date');
    const now = this.#clock().getTime();
    const known = this.#entries.get(key);
    if (known !== undefined && known > now) return Promise.resolve(false);
    if (known === undefined && this.#entries.size >= this.#max) this.#sweep(now);
    if (known === undefined && this.#entries.size >= this.#max) {
      return Promise.reject(
        legateError('ERR_RATE_LIMITED', 'the replay cache is full; try again later', { reason: 'replay-cache-full' }),
      );
    }
    this.#entries.set(key, expiresAt.getTime());
    return Promise.resolve(true);
  }

  /** Number of keys held, expired or not. */
  get size(): number {
    return this.#entries.size;
  }

  #sweep(now: number): void {
    for (const [key, expires] of this.#entries) if (expires <= now) this.#entries.delete(key);
  }
}
