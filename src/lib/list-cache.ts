/**
 * @module lib/list-cache
 *
 * A verifier's memory of fetched and verified list credentials (status
 * lists, trust lists), keyed by URL. A list stays fresh for the smaller of
 * its own lifetime hint (a status list's `ttl`) and the response's
 * `Cache-Control: max-age`, or a default when neither says, never past its
 * `validUntil`; `no-store` keeps nothing (RFC 9111 §5.2.2). A stale list with
 * an `ETag` is kept a while longer so it can be revalidated with a
 * conditional request. Lists read through a `local` source are memoized by
 * token only, so a node sees its own changes at once. Each kind of list may
 * keep its values in a smaller form (`keep` / `restore`). The cache holds at
 * most `maxEntries` remote and `maxEntries` local lists. Internal.
 */

import { epochMsOf, type Clock } from './clock.js';
import type { CacheDirectives } from './list-fetch.js';
import { Cache } from './cache.js';

/** What a list says about its own freshness, in ms (`validUntil` since the epoch). */
export interface Lifetime {
  /** How long the publisher allows it to be cached; undefined when it says nothing. */
  ttlMs: number | undefined;
  validUntil: number | undefined;
}

/** A remote list past its freshness that may be revalidated. */
export interface StaleList<K> {
  kept: K;
  lifetime: Lifetime;
  etag: string | undefined;
  cache: CacheDirectives | undefined;
  freshUntil: number;
  /** When the list was last fetched or revalidated, in ms: its age is measured from here. */
  storedAt: number;
}

export interface ListCacheOptions<T, K> {
  maxEntries: number;
  clock: Clock;
  /** Freshness when neither the list nor the response states one, in ms. */
  defaultTtlMs: number;
  /** Longest freshness granted whatever the list or response says, in ms. Default unbounded. */
  maxTtlMs?: number | undefined;
  lifetime: (value: T) => Lifetime;
  /** The form a value is kept in (say, compressed). Default the value itself. */
  keep?: ((value: T) => K) | undefined;
  /** Turns a kept form back into a value. Required when `keep` is given. */
  restore?: ((kept: K) => T) | undefined;
}

/** How long a stale list with an ETag is kept for revalidation. */
const STALE_RETENTION_MS = 60 * 60 * 1000;

export class ListCache<T, K = T> {
  readonly #remote: Cache<string, StaleList<K>>;
  readonly #local: Cache<string, { token: string; kept: K }>;
  readonly #clock: Clock;
  /** ms since the epoch, without a Date per lookup on the system clock. */
  readonly #now: () => number;
  readonly #defaultTtl: number;
  readonly #maxTtl: number;
  readonly #lifetime: (value: T) => Lifetime;
  readonly #keep: (value: T) => K;
  readonly #restore: (kept: K) => T;

  constructor(options: ListCacheOptions<T, K>) {
    const { maxEntries, clock, defaultTtlMs } = options;
    this.#remote = new Cache({ maxEntries, ttlMs: defaultTtlMs, clock });
    this.#local = new Cache({ maxEntries, ttlMs: defaultTtlMs, clock });
    this.#clock = clock;
    this.#now = epochMsOf(clock);
    this.#defaultTtl = defaultTtlMs;
    this.#maxTtl = options.maxTtlMs ?? Infinity;
    this.#lifetime = options.lifetime;
    this.#keep = options.keep ?? ((value) => value as unknown as K);
    this.#restore = options.restore ?? ((kept) => kept as unknown as T);
  }

  /** ms a list may be used without asking again. */
  #freshFor(lifetime: Lifetime, directives: CacheDirectives | undefined, now: number): number {
    const { ttlMs } = lifetime;
    const maxAge = directives?.maxAgeMs;
    const ms = ttlMs === undefined && maxAge === undefined ? this.#defaultTtl : Math.min(ttlMs ?? Infinity, maxAge ?? Infinity);
    return Math.max(0, Math.min(ms, this.#maxTtl, (lifetime.validUntil ?? Infinity) - now));
  }

  /**
   * A fresh list for `url`, or undefined: the hot path of a verifier that
   * checks many credentials against one list. A caller may demand a list
   * younger than its freshness: `maxAgeMs` (a high-risk capability's).
   */
  fresh(url: string, maxAgeMs = Infinity): T | undefined {
    const now = this.#now();
    const entry = this.#remote.get(url, now);
    return entry !== undefined && entry.freshUntil > now && now - entry.storedAt < maxAgeMs ? this.#restore(entry.kept) : undefined;
  }

  /** A fresh list for `url` (at most `maxAgeMs` old), or the stale entry to revalidate (none once the list has expired). */
  lookup(url: string, maxAgeMs = Infinity): { fresh: T } | { stale: StaleList<K> | undefined } {
    const now = this.#now();
    const entry = this.#remote.get(url);
    if (entry === undefined) return { stale: undefined };
    if (entry.freshUntil > now && now - entry.storedAt < maxAgeMs) return { fresh: this.#restore(entry.kept) };
    // An expired list cannot be revalidated into validity: it must be fetched whole.
    return { stale: (entry.lifetime.validUntil ?? Infinity) > now ? entry : undefined };
  }

  /** Records a `200`. */
  stored(url: string, value: T, etag: string | undefined, directives: CacheDirectives | undefined): void {
    const entry = { kept: this.#keep(value), lifetime: this.#lifetime(value), etag, cache: directives, freshUntil: 0, storedAt: 0 };
    this.#put(url, entry);
  }

  /** Records a `304` for `stale`; returns its value. Headers absent from the 304 keep their stored values (RFC 9111 §4.3.4). */
  revalidated(url: string, stale: StaleList<K>, etag: string | undefined, directives: CacheDirectives | undefined): T {
    this.#put(url, { ...stale, etag: etag ?? stale.etag, cache: directives ?? stale.cache });
    return this.#restore(stale.kept);
  }

  #put(url: string, entry: StaleList<K>): void {
    const now = this.#clock().getTime();
    const fresh = this.#freshFor(entry.lifetime, entry.cache, now);
    entry.freshUntil = now + fresh;
    entry.storedAt = now;
    // Kept past freshness only when an ETag allows a cheap revalidation; never under no-store.
    const retain = entry.cache?.noStore === true ? 0 : entry.etag === undefined ? fresh : fresh + STALE_RETENTION_MS;
    if (retain > 0) this.#remote.set(url, entry, retain);
    else this.#remote.delete(url);
  }

  /**
   * Makes the remote list at `url` stale at once (its issuer said it changed):
   * the next lookup fetches it again, conditionally when it has an ETag.
   */
  expire(url: string): void {
    const entry = this.#remote.get(url);
    if (entry === undefined) return;
    entry.freshUntil = 0;
    if (entry.etag === undefined) this.#remote.delete(url);
  }

  /** The value of a `local` token verified before, while fresh. */
  local(url: string, token: string): T | undefined {
    const memo = this.#local.get(url);
    return memo !== undefined && memo.token === token ? this.#restore(memo.kept) : undefined;
  }

  /** Memoizes the verification of a `local` token. */
  storeLocal(url: string, token: string, value: T): void {
    const ttl = this.#freshFor(this.#lifetime(value), undefined, this.#clock().getTime());
    this.#local.set(url, { token, kept: this.#keep(value) }, ttl);
  }
}
