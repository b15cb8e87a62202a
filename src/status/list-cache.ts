/**
 * @module status/list-cache
 *
 * The status checker's memory of verified lists, keyed by URL. A fetched list
 * stays fresh for the smaller of its `ttl` (W3C Bitstring Status List v1.0
 * §2.2) and the response's `Cache-Control: max-age`, never past its
 * `validUntil`; `no-store` keeps nothing (RFC 9111 §5.2.2). A stale list
 * with an `ETag` is kept a while longer so it can be revalidated with a
 * conditional request. Lists read through `local` are memoized by token
 * only, so a node sees its own changes at once. Large lists are kept
 * compressed, bounding memory to entries × max(`maxListBytes`, response).
 * Internal to `status/`.
 */

import type { Clock } from '../lib/clock.js';
import { TtlCache } from '../lib/ttl-cache.js';
import { decodeList, type DecodeListLimits } from './bitstring.js';
import type { CacheDirectives } from './fetch.js';
import { DEFAULT_STATUS_TTL_MS, type StatusList } from './list-credential.js';

/** A verified list, with the `encodedList` it was decoded from. */
export interface AcceptedList {
  list: StatusList;
  encodedList: string;
}

/** A list as cached: decoded, or (when large) with empty `bits` and its `encodedList` to inflate again. */
interface Kept {
  list: StatusList;
  encodedList: string | undefined;
}

/** A remote list past its freshness that may be revalidated. */
export interface StaleList extends Kept {
  etag: string | undefined;
  cache: CacheDirectives | undefined;
  freshUntil: number;
}

export interface ListCacheOptions {
  maxEntries: number;
  /** Largest list kept decoded, in bytes. */
  maxListBytes: number;
  /** The limits lists were decoded with. */
  limits: DecodeListLimits;
  clock: Clock;
}

/** How long a stale list with an ETag is kept for revalidation. */
const STALE_RETENTION_MS = 60 * 60 * 1000;

export class ListCache {
  readonly #remote: TtlCache<string, StaleList>;
  readonly #local: TtlCache<string, Kept & { token: string }>;
  readonly #maxListBytes: number;
  readonly #limits: DecodeListLimits;
  readonly #clock: Clock;

  constructor(options: ListCacheOptions) {
    const { maxEntries, clock } = options;
    this.#remote = new TtlCache({ maxEntries, ttlMs: DEFAULT_STATUS_TTL_MS, clock });
    this.#local = new TtlCache({ maxEntries, ttlMs: DEFAULT_STATUS_TTL_MS, clock });
    this.#maxListBytes = options.maxListBytes;
    this.#limits = options.limits;
    this.#clock = clock;
  }

  #keep({ list, encodedList }: AcceptedList): Kept {
    if (list.bits.length <= this.#maxListBytes) return { list, encodedList: undefined };
    return { list: { ...list, bits: new Uint8Array(0) }, encodedList };
  }

  #restore({ list, encodedList }: Kept): StatusList {
    // It decoded within these limits before; decoding is deterministic.
    return encodedList === undefined ? list : { ...list, bits: decodeList(encodedList, this.#limits) };
  }

  /** ms a list may be used without asking again: the smaller of `ttl` and `max-age`, never past `validUntil`. */
  #freshFor(list: StatusList, directives: CacheDirectives | undefined, now: number): number {
    const ms = Math.min(list.ttlMs ?? DEFAULT_STATUS_TTL_MS, directives?.maxAgeMs ?? Infinity);
    return Math.max(0, Math.min(ms, (list.validUntil ?? Infinity) - now));
  }

  /** A fresh list for `url`, or the stale entry to revalidate (none once the list has expired). */
  lookup(url: string): { fresh: StatusList } | { stale: StaleList | undefined } {
    const now = this.#clock().getTime();
    const entry = this.#remote.get(url);
    if (entry === undefined) return { stale: undefined };
    if (entry.freshUntil > now) return { fresh: this.#restore(entry) };
    // An expired list cannot be revalidated into validity: it must be fetched whole.
    return { stale: (entry.list.validUntil ?? Infinity) > now ? entry : undefined };
  }

  /** Records a `200`. */
  stored(url: string, accepted: AcceptedList, etag: string | undefined, directives: CacheDirectives | undefined): void {
    this.#put(url, { ...this.#keep(accepted), etag, cache: directives, freshUntil: 0 }, accepted.list);
  }

  /** Records a `304` for `stale`; returns its list. Headers absent from the 304 keep their stored values (RFC 9111 §4.3.4). */
  revalidated(url: string, stale: StaleList, etag: string | undefined, directives: CacheDirectives | undefined): StatusList {
    const list = this.#restore(stale);
    this.#put(url, { ...stale, etag: etag ?? stale.etag, cache: directives ?? stale.cache }, list);
    return list;
  }

  #put(url: string, entry: StaleList, list: StatusList): void {
    const now = this.#clock().getTime();
    const fresh = this.#freshFor(list, entry.cache, now);
    entry.freshUntil = now + fresh;
    // Kept past freshness only when an ETag allows a cheap revalidation; never under no-store.
    const retain = entry.cache?.noStore === true ? 0 : entry.etag === undefined ? fresh : fresh + STALE_RETENTION_MS;
    if (retain > 0) this.#remote.set(url, entry, retain);
    else this.#remote.delete(url);
  }

  /** The list of a `local` token verified before, while fresh. */
  local(url: string, token: string): StatusList | undefined {
    const memo = this.#local.get(url);
    return memo !== undefined && memo.token === token ? this.#restore(memo) : undefined;
  }

  /** Memoizes the verification of a `local` token. */
  storeLocal(url: string, token: string, accepted: AcceptedList): void {
    const ttl = this.#freshFor(accepted.list, undefined, this.#clock().getTime());
    this.#local.set(url, { token, ...this.#keep(accepted) }, ttl);
  }
}
