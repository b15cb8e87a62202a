/**
 * @module lib/ttl-cache
 *
 * A bounded LRU cache whose entries expire after a TTL measured by an
 * injected clock. Used for DID resolution, imported public keys, and later
 * status and trust lists.
 */

import { epochMsOf, systemClock, type Clock } from './clock.js';

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
  /** The key inserted or read last: reading it again needs no reordering. */
  #newest: K | undefined;

  constructor(options: TtlCacheOptions) {
    this.#max = options.maxEntries;
    this.#ttl = options.ttlMs;
    this.#now = epochMsOf(options.clock ?? systemClock);
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.#now()) {
      this.delete(key);
      return undefined;
    }
    // Refresh recency (Map iteration order is insertion order), unless it is the most recent already.
    if (this.#newest !== key) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      this.#newest = key;
    }
    return entry.value;
  }

  set(key: K, value: V, ttlMs: number = this.#ttl): void {
    if (ttlMs <= 0 || this.#max <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: this.#now() + ttlMs });
    this.#newest = key;
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as K;
      this.#entries.delete(oldest);
    }
  }

  delete(key: K): void {
    this.#entries.delete(key);
    if (this.#newest === key) this.#newest = undefined;
  }

  clear(): void {
    this.#entries.clear();
    this.#newest = undefined;
  }

  get size(): number {
    return this.#entries.size;
  }
}
