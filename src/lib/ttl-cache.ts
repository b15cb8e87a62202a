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
  readonly #clock: Clock;

  constructor(options: TtlCacheOptions) {
    this.#max = options.maxEntries;
    this.#ttl = options.ttlMs;
    this.#clock = options.clock ?? systemClock;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#clock().getTime()) {
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
    this.#entries.set(key, { value, expires: this.#clock().getTime() + ttlMs });
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
