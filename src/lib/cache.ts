/**
 * @module lib/cache
 *
 * Legate's one cache, owned by the instance that makes it (no module-level
 * state): values live for a TTL, failures for a shorter cooldown (jose's
 * `createRemoteJWKSet` `cacheMaxAge` / `cooldownDuration` are the model), so
 * a name that keeps failing costs one attempt per cooldown however often it
 * is asked for; concurrent loads of one key share one loader call; the
 * number of entries is bounded, the least recently used evicted first; time
 * comes from an injected clock. Used for DID documents (did/resolver), the
 * list caches (lib/list-cache), the HTTP client's failure memory, and
 * imported keys. Internal.
 */

import { epochMsOf, systemClock, type Clock } from './clock.js';

/** Options of {@link Cache}. */
export interface CacheOptions<V = unknown> {
  /** Most entries kept, failures included; the least recently used is evicted first. 0 keeps nothing. */
  maxEntries: number;
  /** How long a value is kept, in ms; 0 keeps none. */
  ttlMs: number;
  /** How long a failure (a rejected load, or a value `failed` says is one) is kept, in ms. Default 0: failures are not kept. */
  cooldownMs?: number | undefined;
  /** Which loaded values are failures: kept for `cooldownMs` instead of `ttlMs`. Default none. */
  failed?: ((value: V) => boolean) | undefined;
  /** Clock of both lifetimes. Default the system clock. */
  clock?: Clock | undefined;
}

/** A kept value, or a load's rejection (rethrown until it expires). */
type Entry<V> = { expires: number; value: V; rejected?: undefined } | { expires: number; rejected: { error: unknown } };

/**
 * A bounded cache with a TTL for values, a cooldown for failures and
 * in-flight de-duplication. Keys compare as `Map` keys.
 *
 * @example
 * ```ts
 * const documents = new Cache<string, Resolution>({ maxEntries: 1000, ttlMs: 300_000, cooldownMs: 30_000, failed: (r) => r.error !== undefined });
 * const resolution = await documents.load(did, () => fetchDocument(did));
 * ```
 */
export class Cache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #inFlight = new Map<K, Promise<V>>();
  readonly #max: number;
  readonly #ttl: number;
  readonly #cooldown: number;
  readonly #failed: (value: V) => boolean;
  /** ms since the epoch; the system clock's time without allocating a Date per lookup. */
  readonly #now: () => number;
  /** The key stored or read last: reading it again needs no reordering. */
  #newest: K | undefined;

  constructor(options: CacheOptions<V>) {
    this.#max = options.maxEntries;
    this.#ttl = options.ttlMs;
    this.#cooldown = options.cooldownMs ?? 0;
    this.#failed = options.failed ?? (() => false);
    this.#now = epochMsOf(options.clock ?? systemClock);
  }

  /** The live entry of `key` at `now`, made the most recently used; expired entries are dropped on the way. */
  #live(key: K, now?: number): Entry<V> | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= (now ?? this.#now())) {
      this.delete(key);
      return undefined;
    }
    // Refresh recency (Map iteration order is insertion order), unless it is the most recent already.
    if (this.#newest !== key) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      this.#newest = key;
    }
    return entry;
  }

  #put(key: K, entry: Entry<V>, ttlMs: number): void {
    if (ttlMs <= 0 || this.#max <= 0) {
      // A new value replaces an old one even when it is not kept: no stale answer outlives it.
      this.delete(key);
      return;
    }
    entry.expires = this.#now() + ttlMs;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.#newest = key;
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as K;
      this.#entries.delete(oldest);
    }
  }

  /**
   * The value kept for `key` (a failure value too, during its cooldown), or
   * undefined. `now` (ms since the epoch, this cache's clock) spares a caller
   * that has just read the clock a second reading.
   */
  get(key: K, now?: number): V | undefined {
    const entry = this.#live(key, now);
    return entry === undefined || entry.rejected !== undefined ? undefined : entry.value;
  }

  /** Keeps `value` for `ttlMs`: by default the TTL, or the cooldown when `failed` says it is a failure. */
  set(key: K, value: V, ttlMs: number = this.#failed(value) ? this.#cooldown : this.#ttl): void {
    this.#put(key, { expires: 0, value }, ttlMs);
  }

  /**
   * The value of `key`: kept, or loaded once by `loader` however many callers
   * ask while it runs. A loaded value is kept for the TTL (a failure for the
   * cooldown); a rejection is kept for the cooldown and rethrown meanwhile.
   */
  async load(key: K, loader: () => Promise<V>): Promise<V> {
    const entry = this.#live(key);
    if (entry !== undefined) {
      if (entry.rejected !== undefined) throw entry.rejected.error;
      return entry.value;
    }
    let pending = this.#inFlight.get(key);
    if (pending === undefined) {
      const loaded = (async () => {
        try {
          const value = await loader();
          this.set(key, value);
          return value;
        } catch (error) {
          this.#put(key, { expires: 0, rejected: { error } }, this.#cooldown);
          throw error;
        }
      })();
      // Cleared after it settles (always a later microtask, so after the set below, even for a loader that throws at once).
      pending = loaded.finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  delete(key: K): void {
    this.#entries.delete(key);
    if (this.#newest === key) this.#newest = undefined;
  }

  clear(): void {
    this.#entries.clear();
    this.#newest = undefined;
  }

  /** Entries kept (expired ones count until they are next looked up). */
  get size(): number {
    return this.#entries.size;
  }
}
