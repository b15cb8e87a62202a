/**
 * @module lib/ttl-cache
 *
 * A bounded LRU cache whose entries expire after a TTL measured by an
 * injected clock. Used for DID resolution, imported public keys, and later
 * status and trust lists.
 */

import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

export interface TtlCacheOptions {
  /** Maximum number of entries; the least recently used is evicted first. */
  maxEntries: number;
  /** Default time to live in milliseconds. */
  ttlMs: number;
  clock?: Clock;
}

export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; expires: number }>();
  readonly #max: number;
  readonly #ttl: number;
  /** ms since the epoch; the system clock's time without allocating a Date per lookup. */
  readonly #now: () => number;

  constructor(options: TtlCacheOptions) {
    this.#max = options.maxEntries;
    this.#ttl = options.ttlMs;
    const clock = options.clock ?? systemClock;
    // Date.now looked up per call, so fake timers installed later still apply.
    this.#now = clock === systemClock ? () => Date.now() : () => clock().getTime();
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    // Refresh recency: Map iteration order is insertion order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V, ttlMs: number = this.#ttl): void {
    if (ttlMs <= 0 || this.#max <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: this.#now() + ttlMs });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as K;
      this.#entries.delete(oldest);
    }
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
