/**
 * @module did/resolver
 *
 * DID resolution for Legate (DESIGN.md "Actors", "Resolution"): a `local`
 * callback first (a node answers for its own organization and agents from its
 * store, no server needed), then the driver of the DID's method
 * (did/methods: did:key offline, did:web over HTTPS through the one outbound
 * HTTP client, lib/http-client: address policy, one deadline, size limit, no
 * redirects; plain HTTP only for opted-in loopback hosts). Results are kept
 * in the resolver's own cache (lib/cache): successes for a TTL, failures for
 * a cooldown, concurrent resolutions of one DID sharing one driver call.
 * The resolver carries its key lookup as `resolveKey`, the explicit input
 * the signature path takes (did/verification-key). Failures are data, never
 * exceptions: `didResolutionMetadata.error` carries a DID Resolution error
 * code (`invalidDid`, `notFound`, `methodNotSupported`, `invalidDidDocument`,
 * `internalError`) with a short `message` that never echoes large input.
 */

import type { DIDDocument, DIDResolutionResult, ParsedDID } from 'did-resolver';
import { parse } from 'did-resolver';
import { assertFunction, integerOption, isRecord } from '../lib/assert.js';
import { Cache } from '../lib/cache.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { DEACTIVATED, keyFromDocument, type KeyLookup, type KeyLookupFn, type KeyResolvable, type VerificationKey } from './verification-key.js';
import type { VerificationRelationship } from './find-method.js';
import type { FetchLike } from '../lib/http.js';
import { httpClientOf, type HttpClient } from '../lib/http-client.js';
import type { DidMethodDriver } from './methods/driver.js';
import { didKeyDriver } from './methods/key.js';
import { didWebDriver, type WebOptions } from './methods/web.js';
import { deactivatedResolution, failure, success } from './resolution.js';
import { MAX_DID_LENGTH } from './web.js';
import { preview as clip } from '../lib/preview.js';

export { findVerificationMethod, type VerificationRelationship } from './find-method.js';

/**
 * The `fetch` the did:web resolver calls in tests. It resolves names itself, so
 * the client checks only literal addresses and localhost names under it: do not
 * pass `globalThis.fetch` in production (give `http: createHttpClient(...)`).
 */
export type { FetchLike };

/** Options of {@link createDidResolver}. */
export interface DidResolverOptions {
  /**
   * Consulted first for every DID; return undefined to fall through, or
   * `'deactivated'` for a DID this node deactivated (a retired agent). Results are not cached, unless
   * `localStamp` is given.
   */
  local?: ((did: string) => Promise<DIDDocument | 'deactivated' | undefined>) | undefined;
  /**
   * A stamp that changes whenever what `local` answers may have (a node's `Store.changeStamp`: its keys and
   * agents). With it, a document or deactivation `local` gave is kept per DID while the stamp stays the
   * same, its keys imported once, instead of asking `local` (the store) at every verification; a stamp of
   * undefined keeps nothing. Most DIDs kept: 256.
   */
  localStamp?: (() => string | undefined) | undefined;
  /**
   * The outbound HTTP client did:web documents are fetched through (address
   * policy, bounds, cooldown). Default: one of this resolver's own (over
   * `fetch` when that is given); pass one to share its pool and cooldown.
   */
  http?: HttpClient | undefined;
  /** Carries did:web requests under a client of this resolver's own (tests). The client's checks still run first. */
  fetch?: FetchLike | undefined;
  /** Fetch did:web documents of loopback hosts (and reach loopback addresses), over plain HTTP. Default false. */
  allowHttpLoopback?: boolean | undefined;
  /** did:web request timeout, including reading the body, in ms. Default 5000. */
  timeoutMs?: number | undefined;
  /** Largest did:web response body accepted, in bytes. Default 256 KiB. */
  maxResponseBytes?: number | undefined;
  /** How long a successful resolution is cached, in ms; 0 disables the cache. Default 5 minutes. */
  cacheTtlMs?: number | undefined;
  /**
   * How long a failed resolution (not found, a bad document, an unreachable
   * host) is answered from the cache before the DID is tried again, in ms, as
   * jose's `cooldownDuration`; 0 retries every time. Default 30 seconds.
   */
  cacheCooldownMs?: number | undefined;
  /** Most cached DIDs, failures included (least recently used evicted first). Default 1000. */
  cacheMaxEntries?: number | undefined;
  /**
   * A cached document that names no key `kid` (a key rotated in since it was
   * cached) is fetched again, once, if it is at least this old, in ms; so a
   * rotation reaches a verifier at once, and a caller asking for unknown kids
   * costs at most one fetch per DID per this time. Default 5 seconds.
   */
  kidMissRefetchMs?: number | undefined;
  /** Clock of the cache TTL and cooldown. Default the system clock. */
  clock?: Clock | undefined;
}

/** A cached resolution: the result as resolved (callers only ever get copies) and the keys found in it. */
interface Entry {
  result: DIDResolutionResult;
  /** By `<relationship> <kid>`; undefined when that kid names no Ed25519 key there. */
  keys: Map<string, VerificationKey | undefined>;
  /** When it was resolved (ms since the epoch, by the resolver's clock). */
  loadedAt: number;
}

/** Most local answers kept under `localStamp` (a node's organization and the agents it verifies for). */
const MAX_LOCAL_KEPT = 256;
/** Most DIDs remembered as not local (forgotten all at once past it: they are only a shortcut). */
const MAX_LOCAL_MISSES = 1024;

/** Most `kid`s remembered per cached document (a verifier sees few; a hostile caller cannot grow it). */
const MAX_KEYS_PER_DOCUMENT = 16;

/** Resolves DIDs to documents. Never throws; failures are `didResolutionMetadata.error`. */
export interface DidResolver extends KeyResolvable {
  resolve(did: string): Promise<DIDResolutionResult>;
  /**
   * The Ed25519 key `kid` names in `did`'s document under a relationship,
   * answered from this resolver's cache (synchronously on a hit, the key
   * imported once per cached document). Verifiers given this resolver use it
   * (did/signature); it never throws.
   */
  resolveKey: KeyLookupFn;
}

export { MAX_DID_LENGTH };

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;
const DEFAULT_CACHE_TTL_MS = 5 * 60 * 1000;
/** jose's `cooldownDuration` default: a failing DID costs one attempt per 30 s. */
const DEFAULT_CACHE_COOLDOWN_MS = 30_000;
const DEFAULT_CACHE_MAX_ENTRIES = 1000;
const DEFAULT_KID_MISS_REFETCH_MS = 5_000;

const preview = (value: string) => clip(value, 32);

/** A driver's answer, whatever happens: a throwing driver is an `internalError`. */
async function driverResult(driver: DidMethodDriver, parsed: ParsedDID): Promise<DIDResolutionResult> {
  try {
    const result = await driver.resolve(parsed);
    return isRecord(result) && isRecord(result.didResolutionMetadata) ? result : failure('internalError', 'DID method returned no result');
  } catch {
    return failure('internalError', 'DID resolution failed unexpectedly');
  }
}

/**
 * Creates a DID resolver: `local` first, then did:key (offline) and did:web.
 * An Ed25519 did:key resolves to exactly the document of the W3C CCG did:key
 * test vectors. A did:web is fetched from `https://…/did.json` (http only for
 * loopback with `allowHttpLoopback`), without following redirects, within
 * `timeoutMs` and `maxResponseBytes`, and its `id` must equal the DID. A DID
 * URL (`did#frag`) resolves its DID. Successful did:key and did:web results
 * are cached for `cacheTtlMs`, failed ones for `cacheCooldownMs` (not
 * `invalidDid` or `methodNotSupported`: those never reach a driver); each
 * resolver has a cache of its own. Error codes: `invalidDid` (syntax),
 * `methodNotSupported`, `notFound` (HTTP 404, other statuses, network
 * failure, redirect, timeout, an address the policy refuses; then
 * `didResolutionMetadata.code` holds `ERR_PEER_UNREACHABLE`,
 * `ERR_PEER_TIMEOUT` or `ERR_ADDRESS_NOT_ALLOWED`), `invalidDidDocument` (too large, not UTF-8 or
 * JSON, wrong `id`), `internalError` (a failing `local`, anything unexpected).
 * A did:web answered with HTTP 410, or a DID `local` calls deactivated,
 * resolves with `didDocumentMetadata.deactivated: true` and no key.
 *
 * @throws TypeError / RangeError at creation for invalid options; `resolve` never throws.
 *
 * @example
 * ```ts
 * const resolver = createDidResolver({ allowHttpLoopback: true });
 * const { didDocument, didResolutionMetadata } = await resolver.resolve('did:web:localhost%3A7401');
 * if (didResolutionMetadata.error) console.error(didResolutionMetadata.error, didResolutionMetadata.message);
 * ```
 */
export function createDidResolver(options: DidResolverOptions = {}): DidResolver {
  const { local, localStamp } = options;
  if (local !== undefined) assertFunction(local, 'local');
  if (localStamp !== undefined) assertFunction(localStamp, 'localStamp');
  /** What `local` answered, by DID, with the stamp read before asking. */
  const localKept = new Map<string, { stamp: string; entry: Entry }>();
  /** DIDs `local` last answered nothing for (other organizations'): asked again every time, without reading the stamp first. */
  const localMisses = new Set<string>();
  const keepLocal = (did: string, stamp: string | undefined, result: DIDResolutionResult): { result: DIDResolutionResult; entry?: Entry } => {
    if (stamp === undefined) return { result };
    const entry: Entry = { result, keys: new Map(), loadedAt: clock().getTime() };
    if (localKept.size >= MAX_LOCAL_KEPT && !localKept.has(did)) localKept.delete(localKept.keys().next().value!);
    localKept.set(did, { stamp, entry });
    return { result, entry };
  };
  if (options.fetch !== undefined) assertFunction(options.fetch, 'fetch');
  const allowHttpLoopback = options.allowHttpLoopback === true;
  const web: WebOptions = {
    http: httpClientOf(options),
    allowHttpLoopback,
    timeoutMs: integerOption(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs'),
    maxResponseBytes: integerOption(options.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES, 'maxResponseBytes'),
  };
  const cache = new Cache<string, Entry>({
    ttlMs: integerOption(options.cacheTtlMs, DEFAULT_CACHE_TTL_MS, 'cacheTtlMs', true),
    cooldownMs: integerOption(options.cacheCooldownMs, DEFAULT_CACHE_COOLDOWN_MS, 'cacheCooldownMs', true),
    maxEntries: integerOption(options.cacheMaxEntries, DEFAULT_CACHE_MAX_ENTRIES, 'cacheMaxEntries', true),
    failed: (entry) => entry.result.didResolutionMetadata.error !== undefined,
    clock: options.clock,
  });
  const clock = options.clock ?? systemClock;
  const kidMissRefetchMs = integerOption(options.kidMissRefetchMs, DEFAULT_KID_MISS_REFETCH_MS, 'kidMissRefetchMs', true);
  const drivers = new Map<string, DidMethodDriver>([didKeyDriver(), didWebDriver(web)].map((driver) => [driver.method, driver]));

  /** A resolution, with its cache entry when it came from (or went into) the cache. */
  async function lookup(input: string): Promise<{ result: DIDResolutionResult; entry?: Entry }> {
    if (typeof input !== 'string') return { result: failure('invalidDid', 'DID must be a string') };
    if (input.length > MAX_DID_LENGTH) return { result: failure('invalidDid', `DID is longer than ${MAX_DID_LENGTH} characters`) };
    // Cache keys are parsed DIDs: a hit is a valid plain DID, with nothing left to parse.
    const cached = cache.get(input);
    let did = input;
    // The DID alone (no path, query or fragment): what a driver resolves, and what the cache is keyed by.
    let plain: ParsedDID | undefined;
    if (cached === undefined) {
      const parsed: ParsedDID | null = parse(input);
      if (parsed === null) return { result: failure('invalidDid', `not a DID: ${preview(input)}`) };
      did = parsed.did;
      plain = { did, didUrl: did, method: parsed.method, id: parsed.id };
    }
    if (local !== undefined) {
      // The stamp before asking (a change made meanwhile leaves what is kept stale at once); not read for a DID
      // local answered nothing for last time: what local answers now is then not kept, but the next lookup keeps it.
      const kept = localKept.get(did);
      const stamp = kept !== undefined || !localMisses.has(did) ? localStamp?.() : undefined;
      if (kept !== undefined && kept.stamp === stamp) return { result: kept.entry.result, entry: kept.entry };
      let document: DIDDocument | 'deactivated' | undefined;
      try {
        document = await local(did);
      } catch {
        return { result: failure('internalError', 'local DID lookup failed') };
      }
      if (document !== undefined) localMisses.delete(did);
      if (document === 'deactivated') return keepLocal(did, stamp, deactivatedResolution(did));
      if (document !== undefined) {
        if (!isRecord(document) || document.id !== did) {
          return { result: failure('invalidDidDocument', 'local DID document id does not match the DID') };
        }
        return keepLocal(did, stamp, success(document));
      }
      localKept.delete(did);
      if (localStamp !== undefined && !localMisses.has(did)) {
        if (localMisses.size >= MAX_LOCAL_MISSES) localMisses.clear();
        localMisses.add(did);
      }
    }
    if (cached !== undefined) return { result: cached.result, entry: cached };
    const target = plain!; // parsed above: there was no cache hit
    // A Map, not an object: `did:constructor:x` must not find Object.prototype.constructor.
    const driver = drivers.get(target.method);
    if (driver === undefined) return { result: failure('methodNotSupported', `DID method ${preview(target.method)} is not supported`) };
    const entry = await cache.load(did, async () => ({ result: await driverResult(driver, target), keys: new Map(), loadedAt: clock().getTime() }));
    return { result: entry.result, entry };
  }

  /** The key `kid` names in a cached document; the entry's document is never handed out, so what was found stays true while it is cached. */
  function cachedKey(entry: Entry, kid: string, relationship: VerificationRelationship): KeyLookup {
    // A failure in its cooldown: the same answer a fresh attempt gave.
    const reason = entry.result.didResolutionMetadata.error;
    if (entry.result.didDocument === null || reason !== undefined) return { unresolved: reason };
    if (entry.result.didDocumentMetadata.deactivated === true) return { unresolved: DEACTIVATED };
    const memo = `${relationship} ${kid}`;
    if (entry.keys.has(memo)) return { key: entry.keys.get(memo) };
    const key = keyFromDocument(entry.result.didDocument, kid, relationship);
    if (entry.keys.size < MAX_KEYS_PER_DOCUMENT) entry.keys.set(memo, key);
    return { key };
  }

  /** The key from a cached document; a miss in a document old enough is fetched again, once (a key rotated in since). */
  function cachedOrRefetched(entry: Entry, did: string, kid: string, relationship: VerificationRelationship): KeyLookup | Promise<KeyLookup> {
    const found = cachedKey(entry, kid, relationship);
    if (!('key' in found) || found.key !== undefined || clock().getTime() - entry.loadedAt < kidMissRefetchMs) return found;
    if (cache.get(did) === entry) cache.delete(did);
    return verificationKey(did, kid, relationship, false);
  }

  async function verificationKey(did: string, kid: string, relationship: VerificationRelationship, refetch = true): Promise<KeyLookup> {
    try {
      const { result, entry } = await lookup(did);
      if (entry !== undefined) return refetch ? cachedOrRefetched(entry, did, kid, relationship) : cachedKey(entry, kid, relationship);
      const reason = result.didResolutionMetadata.error;
      if (result.didDocument === null || reason !== undefined) return { unresolved: reason };
      if (result.didDocumentMetadata.deactivated === true) return { unresolved: DEACTIVATED };
      return { key: keyFromDocument(result.didDocument, kid, relationship) };
    } catch {
      return { unresolved: 'internalError' };
    }
  }

  return {
    async resolve(did: string): Promise<DIDResolutionResult> {
      try {
        const { result, entry } = await lookup(did);
        // Callers get their own copy: mutating it must not reach the cache.
        return entry === undefined ? result : structuredClone(entry.result);
      } catch {
        return failure('internalError', 'DID resolution failed unexpectedly');
      }
    },
    resolveKey(did, kid, relationship) {
      // Without `local` to consult first, a cached DID answers at once (typeof: `resolve` never throws on bad input either).
      const entry = local === undefined && typeof did === 'string' ? cache.get(did) : undefined;
      return entry === undefined ? verificationKey(did, kid, relationship) : cachedOrRefetched(entry, did, kid, relationship);
    },
  };
}
