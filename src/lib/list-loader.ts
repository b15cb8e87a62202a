/**
 * @module lib/list-loader
 *
 * Obtaining a published list credential by URL, the same way for every kind
 * of list: a `local` lookup first (a node's own lists, from its store), then
 * HTTPS only (plain HTTP just for opted-in loopback hosts) through the
 * HTTP client and {@link fetchListCredential}'s bounds, answered from a {@link ListCache}
 * while fresh and revalidated with `If-None-Match` once stale. The kind of
 * list supplies `accept`, which verifies and reads a body; only accepted
 * lists are cached, failures never are. Concurrent loads of one URL share
 * one request. Failures are returned, never thrown, with where they
 * happened. Internal.
 */

import type { Clock } from './clock.js';
import { ListCache, type ListCacheOptions } from './list-cache.js';
import { fetchListCredential, listUnavailable, type ListKind } from './list-fetch.js';
import { isLoopbackHost } from './http.js';
import type { HttpClient } from './http-client.js';

/** Where a loaded list came from. */
export type ListSource = 'local' | 'cache' | 'network' | 'revalidated';

/** A list, or why it could not be had: `from` tells a failed `local` list from a remote one. */
export type LoadedList<T> = { value: T; source: ListSource } | { error: unknown; from: 'local' | 'network' };

export interface ListLoaderOptions<T, K> extends Omit<ListCacheOptions<T, K>, 'clock'> {
  kind: ListKind;
  /** The outbound client (address policy, bounds, cooldown). */
  http: HttpClient;
  /** Consulted first for every URL (every URL `localUrl` accepts); returns the list as fetched, or undefined to fall through. */
  local: ((url: string) => Promise<string | undefined>) | undefined;
  /** The URLs `local` may answer; the others never ask it, and a fresh cached list of theirs is had synchronously ({@link ListLoader.peek}). Default: every URL. */
  localUrl?: ((url: string) => boolean) | undefined;
  allowHttpLoopback: boolean;
  timeoutMs: number;
  /** Largest response accepted, in bytes. */
  maxBytes: number;
  clock: Clock;
  /** Verifies and reads a list body obtained for `url`; throws to refuse it. */
  accept: (body: string, url: string) => Promise<T>;
}

export interface ListLoader<T> {
  /** The list at `url`; a cached one only while at most `maxAgeMs` old (default: its freshness alone). */
  load(url: string, maxAgeMs?: number): Promise<LoadedList<T>>;
  /**
   * What `load` would answer from the cache, synchronously: a fresh remote
   * list, or undefined when `load` is needed (no fresh entry, or a `local`
   * source that must be asked first).
   */
  peek(url: string, maxAgeMs?: number): LoadedList<T> | undefined;
  /** Makes the cached list at `url` stale, so the next load fetches it again (a load already under way keeps its answer but caches it stale). */
  expire(url: string): void;
}

/** Creates a loader of one kind of list, with its own cache. */
export function createListLoader<T, K = T>(options: ListLoaderOptions<T, K>): ListLoader<T> {
  const { kind, http, local, accept, timeoutMs, maxBytes, localUrl } = options;
  const asksLocal = (url: string): boolean => local !== undefined && (localUrl === undefined || localUrl(url));
  const cache = new ListCache<T, K>(options);
  const inFlight = new Map<string, Promise<LoadedList<T>>>();
  // Counts expire() calls: a fetch that started before one may carry the old list, so it is cached stale.
  let expiries = 0;

  async function fromLocal(url: string, token: string): Promise<LoadedList<T>> {
    const memo = cache.local(url, token);
    if (memo !== undefined) return { value: memo, source: 'local' };
    try {
      const value = await accept(token, url);
      cache.storeLocal(url, token, value);
      return { value, source: 'local' };
    } catch (error) {
      return { error, from: 'local' };
    }
  }

  async function fromNetwork(url: string, maxAgeMs: number): Promise<LoadedList<T>> {
    // Only lists fetched from a URL that passed the checks below are cached: a fresh one needs no parsing.
    const cached = cache.lookup(url, maxAgeMs);
    if ('fresh' in cached) return { value: cached.fresh, source: 'cache' };
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (cause) {
      return { error: listUnavailable(kind, `${kind.what} URL is not a URL`, 'ERR_MALFORMED', cause), from: 'network' };
    }
    const plainOk = options.allowHttpLoopback && parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname);
    if (parsed.protocol !== 'https:' && !plainOk) {
      return { error: listUnavailable(kind, `${kind.what}s are fetched over HTTPS only`, 'scheme'), from: 'network' };
    }
    const { stale } = cached;
    const expiriesBefore = expiries;
    try {
      const response = await fetchListCredential(url, { kind, http, timeoutMs, maxBytes, etag: stale?.etag });
      if (response.status === 304) {
        // Only sent an If-None-Match when there was a stale entry to revalidate.
        if (stale === undefined) throw listUnavailable(kind, `unexpected HTTP 304 for a ${kind.what}`, 'http-304');
        return { value: cache.revalidated(url, stale, response.etag, response.cache), source: 'revalidated' };
      }
      const value = await accept(response.body, url);
      cache.stored(url, value, response.etag, response.cache);
      if (expiries !== expiriesBefore) cache.expire(url);
      return { value, source: 'network' };
    } catch (error) {
      return { error, from: 'network' };
    }
  }

  async function load(url: string, maxAgeMs: number): Promise<LoadedList<T>> {
    if (local !== undefined && asksLocal(url)) {
      let token: string | undefined;
      try {
        token = await local(url);
      } catch (cause) {
        return { error: listUnavailable(kind, `local ${kind.what} lookup failed`, 'local', cause), from: 'local' };
      }
      if (typeof token === 'string') return fromLocal(url, token);
    }
    return fromNetwork(url, maxAgeMs);
  }

  return {
    expire(url) {
      expiries++;
      cache.expire(url);
      // Later loads start afresh rather than join one that may fetch the old list.
      for (const key of inFlight.keys()) if (key.endsWith(` ${url}`)) inFlight.delete(key);
    },
    peek(url, maxAgeMs = Infinity) {
      if (asksLocal(url)) return undefined;
      const value = cache.fresh(url, maxAgeMs);
      return value === undefined ? undefined : { value, source: 'cache' };
    },
    /** One load per URL at a time: concurrent users of one list share it. */
    load(url, maxAgeMs = Infinity) {
      // Shared only by loads that accept the same age: a stricter one must not get a laxer one's cached answer.
      const key = `${maxAgeMs} ${url}`;
      let pending = inFlight.get(key);
      if (pending === undefined) {
        pending = load(url, maxAgeMs).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
  };
}
