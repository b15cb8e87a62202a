/**
 * @module status/check
 *
 * Checking a credential's status entries against their lists (W3C Bitstring
 * Status List v1.0 §3.3 Validate Algorithm). Each list is found through a
 * `local` lookup first (a node's own lists, from its store), then over HTTP
 * with bounds and conditional requests; it must be a signed `vc+jwt` (or Data
 * Integrity credential) that verifies, from the credential's own issuer,
 * serving the entry's purpose and long enough for the index. Verified lists
 * are cached for the smaller of their `ttl` and `Cache-Control: max-age`.
 * "Cannot tell" (the list could not be fetched, verified or decoded) is a
 * distinct outcome from "revoked"; the `onUnavailable` policy decides whether
 * it fails, and by default it does.
 */

import type { KeyResolvable } from '../did/verification-key.js';
import type { FetchLike } from '../did/resolver.js';
import { httpClientOf, type HttpClient } from '../lib/http-client.js';
import { LegateError, legateError, type VerificationError } from '../errors/index.js';
import { issuerId } from '../credential/types.js';
import { assertFunction, assertPositiveInteger, isRecord } from '../lib/assert.js';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';
import { parseJson } from '../lib/json.js';
import type { WorkBudget } from '../lib/work-budget.js';
import { listUnavailable, type ListKind } from '../lib/list-fetch.js';
import { createListLoader, type LoadedList } from '../lib/list-loader.js';
import { DEFAULT_MAX_INFLATED_BYTES, getBit, MIN_LIST_BITS } from './bitstring.js';
import { readStatusEntries, type StatusEntryRef } from './entry.js';
import { statusListKeeping, type AcceptedList } from './list-cache.js';
import { DEFAULT_MAX_STATUS_AGE_SECONDS, maxStatusAgeOf, statusAgeMs, type StatusAgeRule } from './max-age.js';
import { isDataIntegrityList, readStatusList, verifyStatusListCredential } from './list-credential.js';
import type { BitstringStatusListCredential } from './types.js';

/** Options of {@link createStatusChecker}. */
export interface StatusCheckerOptions {
  /** Resolves list issuers' DIDs, to verify list signatures. */
  resolver: KeyResolvable;
  /** The outbound HTTP client (address policy, bounds, cooldown). Default: one of its own (over `fetch`, if given); pass one to share its pool and cooldown. */
  http?: HttpClient | undefined;
  /** Carries list requests under a client of this checker's own (tests); the client's checks still run first. */
  fetch?: FetchLike | undefined;
  /** Consulted first for every list URL; returns the list credential as `vc+jwt`, or undefined to fall through. */
  local?: ((url: string) => Promise<string | undefined>) | undefined;
  /**
   * The list URLs `local` may answer (a node's own, under its domain): the
   * others never ask it, so a fresh cached list of theirs is judged at once.
   * Default: every URL asks `local` first.
   */
  localUrl?: ((url: string) => boolean) | undefined;
  clock?: Clock | undefined;
  /** Tolerated clock difference for the list's validity window, in seconds. Default 60. */
  skewSeconds?: number | undefined;
  /** Largest list response accepted, in bytes. Default 1 MiB. */
  maxDownloadBytes?: number | undefined;
  /** Largest inflated list accepted, in bytes (at least 16 KiB). Default 16 MiB. */
  maxInflatedBytes?: number | undefined;
  /** Request timeout, including the body, in ms. Default 5000. */
  timeoutMs?: number | undefined;
  /** Most lists cached (least recently used evicted first). Default 256. */
  cacheMaxEntries?: number | undefined;
  /**
   * Largest list kept decoded in the cache, in bytes; larger lists are kept
   * compressed and inflated at each use, so the cache holds at most
   * `cacheMaxEntries` × max(this, the list response) bytes. Default 256 KiB
   * (2,097,152 entries, 16 times the minimum list).
   */
  cacheMaxListBytes?: number | undefined;
  /** What an unavailable status means: `fail` (default, fail closed) or `ignore`. */
  onUnavailable?: 'fail' | 'ignore' | undefined;
  /** Accept unsigned JSON list credentials. Only for tests and decoders: anyone can write one. */
  allowUnsigned?: boolean | undefined;
  /** Fetch lists of loopback hosts (and reach loopback addresses), over plain HTTP. Default false: HTTPS only. */
  allowHttpLoopback?: boolean | undefined;
  /**
   * The oldest a remote list may be, in seconds, whatever its `ttl` says: a
   * list cached longer is fetched again (or revalidated), and one that
   * cannot be is unavailable (failing closed). Default 300.
   */
  maxStatusAgeSeconds?: number | undefined;
  /**
   * Fresher status for capabilities matching a pattern (say `billing:*`
   * within 30 s). Credentials' own `maxStatusAge` constraints apply too; the
   * strictest applicable age wins.
   */
  statusAgePolicy?: readonly StatusAgeRule[] | undefined;
  /**
   * Told each time a remote list (not a `local` one) is relied on for a
   * credential of its own issuer: the list's URL and issuer. Called
   * synchronously on the verification path: it must return at once and
   * never throw (a node subscribes to the issuer's notices from here).
   */
  onRemoteList?: ((url: string, issuer: string) => void) | undefined;
}

/** Per-call options of {@link StatusChecker}: what one message may still spend, and a stricter age. */
export interface StatusLookupOptions {
  /** Charged one status list per distinct list URL and the bytes of every list inflated; `ERR_WORK_LIMIT` past it. */
  budget?: WorkBudget | undefined;
  /** The oldest a list may be for this lookup, in seconds (only ever tightens the checker's own bound). */
  maxAgeSeconds?: number | undefined;
}

/**
 * `ok`: the bit is clear. `revoked` / `suspended`: it is set. `invalid`: the
 * entry or its list contradicts the credential (purpose, issuer, length, a
 * malformed entry). `unavailable`: the list could not be obtained or trusted.
 */
export type StatusOutcome = 'ok' | 'revoked' | 'suspended' | 'invalid' | 'unavailable';

export interface StatusResult {
  outcome: StatusOutcome;
  /** The entry checked; absent for an entry too malformed to read. */
  entry?: StatusEntryRef;
  /** Why the outcome is not `ok`, with its code. */
  error?: LegateError;
  /** Where the list came from. */
  source?: 'local' | 'cache' | 'network' | 'revalidated';
}

export interface StatusChecker {
  /**
   * Every status entry's outcome. Never throws for a bad credential or
   * list; a work budget's `ERR_WORK_LIMIT` propagates.
   */
  check(credential: { credentialStatus?: unknown; issuer?: unknown }, lookup?: StatusLookupOptions): Promise<StatusResult[]>;
  /** The errors that fail verification under the `onUnavailable` policy; empty when the status is good. */
  statusErrors(credential: { credentialStatus?: unknown; issuer?: unknown }, lookup?: StatusLookupOptions): Promise<LegateError[]>;
  /** Makes the cached list at `url` stale (its issuer said it changed): the next check fetches it again. */
  expire(url: string): void;
}

type Failure = { error: LegateError; outcome: 'invalid' | 'unavailable' };

const DEFAULT_MAX_DOWNLOAD_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_CACHE_MAX_ENTRIES = 256;
const DEFAULT_CACHE_MAX_LIST_BYTES = 256 * 1024;
const DEFAULT_SKEW_SECONDS = 60;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const STATUS_LIST: ListKind = {
  what: 'status list',
  claim: 'statusListCredential',
  unavailableCode: 'ERR_STATUS_UNAVAILABLE',
  accept: 'application/vc+jwt, application/vc+ld+json;q=0.5, application/json;q=0.2',
};

function option(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  assertPositiveInteger(value, name);
  return value;
}

function unavailable(message: string, reason: string, cause?: unknown): VerificationError {
  return listUnavailable(STATUS_LIST, message, reason, cause);
}

/**
 * Sorts a failure to obtain a list: the spec's own list errors (unknown
 * purpose, too short) are definite; a size limit stays ERR_INPUT_TOO_LARGE;
 * anything else is ERR_STATUS_UNAVAILABLE with the underlying code as reason.
 */
function failed(error: unknown, what: string): Failure {
  if (!(error instanceof LegateError)) return { error: unavailable(`${what} failed unexpectedly`, 'internal', error), outcome: 'unavailable' };
  if (error.code === 'ERR_STATUS_PURPOSE' || error.code === 'ERR_STATUS_LIST_LENGTH') return { error, outcome: 'invalid' };
  if (error.code === 'ERR_INPUT_TOO_LARGE' || error.code === 'ERR_STATUS_UNAVAILABLE') return { error, outcome: 'unavailable' };
  return { error: unavailable(`${what}: ${error.message}`, error.code, error), outcome: 'unavailable' };
}

/**
 * Creates a status checker. Its cache, keyed by list URL, holds verified and
 * decoded lists; a stale list with an `ETag` is revalidated with
 * `If-None-Match`, and a `304` keeps its bits. `Cache-Control: no-store`
 * disables caching for that list. Lists from `local` are never cached by
 * freshness (a node sees its own revocations at once); only their
 * verification is memoized while the token is unchanged. Failures are not
 * cached. Memory stays within `cacheMaxEntries` lists of at most
 * `cacheMaxListBytes` decoded (larger ones are kept compressed).
 *
 * @throws TypeError / RangeError at creation for invalid options.
 *
 * @example
 * ```ts
 * const checker = createStatusChecker({ resolver: createDidResolver() });
 * const errors = await checker.statusErrors(result.credential); // [] when neither revoked nor suspended
 * ```
 */
export function createStatusChecker(options: StatusCheckerOptions): StatusChecker {
  if (options.fetch !== undefined) assertFunction(options.fetch, 'fetch');
  if (options.local !== undefined) assertFunction(options.local, 'local');
  if (options.localUrl !== undefined) assertFunction(options.localUrl, 'localUrl');
  const { resolver, local, onRemoteList } = options;
  const http = httpClientOf(options);
  const clock = options.clock ?? systemClock;
  const skewSeconds = options.skewSeconds ?? DEFAULT_SKEW_SECONDS;
  if (!Number.isFinite(skewSeconds) || skewSeconds < 0) throw new RangeError('skewSeconds must be a non-negative number');
  const maxDownloadBytes = option(options.maxDownloadBytes, DEFAULT_MAX_DOWNLOAD_BYTES, 'maxDownloadBytes');
  const maxInflatedBytes = option(options.maxInflatedBytes, DEFAULT_MAX_INFLATED_BYTES, 'maxInflatedBytes');
  if (maxInflatedBytes < MIN_LIST_BITS / 8) throw new RangeError(`maxInflatedBytes must be at least ${MIN_LIST_BITS / 8}`);
  const timeoutMs = option(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
  const maxEntries = options.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) throw new RangeError('cacheMaxEntries must be a non-negative integer');
  const cacheMaxListBytes = option(options.cacheMaxListBytes, DEFAULT_CACHE_MAX_LIST_BYTES, 'cacheMaxListBytes');
  const onUnavailable = options.onUnavailable ?? 'fail';
  if (onUnavailable !== 'fail' && onUnavailable !== 'ignore') throw new RangeError("onUnavailable must be 'fail' or 'ignore'");
  const limits = { maxCompressedBytes: maxDownloadBytes, maxInflatedBytes };
  const maxStatusAgeMs = statusAgeMs(options.maxStatusAgeSeconds ?? DEFAULT_MAX_STATUS_AGE_SECONDS);
  const statusAgePolicy = [...(options.statusAgePolicy ?? [])];
  // Checked at creation, so a bad rule is a configuration error, not a failed verification.
  for (const rule of statusAgePolicy) statusAgeMs(rule.maxStatusAge);

  /** Verifies (unless unsigned lists are allowed and this is one) and reads a list credential. */
  async function accept(body: string, url: string): Promise<AcceptedList> {
    const text = body.trim();
    let credential: unknown;
    if (COMPACT_JWS.test(text) || isDataIntegrityList(text, maxDownloadBytes)) {
      const verification = await verifyStatusListCredential(text, { resolver, clock, skewSeconds, maxLength: maxDownloadBytes });
      const [first] = verification.errors;
      if (first !== undefined) {
        if (first.code === 'ERR_INPUT_TOO_LARGE') throw first;
        const message = verification.errors.map((e) => e.message).join('; ');
        throw unavailable(`status list credential does not verify: ${message}`, first.code, first);
      }
      credential = verification.credential;
    } else if (options.allowUnsigned === true) {
      credential = parseJson(text, 'status list credential', { maxLength: maxDownloadBytes });
    } else {
      throw unavailable('status list is not a vc+jwt credential', 'ERR_MALFORMED');
    }
    const list = readStatusList(credential, limits);
    // The list must be the one the entry names, not another list of the same issuer.
    if (list.id !== undefined && list.id !== url) throw unavailable('status list credential id is not its URL', 'ERR_MALFORMED');
    // Verification checked a signed list's window already; this covers unsigned ones.
    if (list.validUntil !== undefined && list.validUntil + skewSeconds * 1000 < clock().getTime()) {
      throw unavailable('status list credential has expired', 'ERR_EXPIRED');
    }
    return { list, encodedList: (credential as BitstringStatusListCredential).credentialSubject.encodedList };
  }

  const loader = createListLoader<AcceptedList>({
    kind: STATUS_LIST,
    http,
    local,
    localUrl: options.localUrl,
    allowHttpLoopback: options.allowHttpLoopback === true,
    timeoutMs,
    maxBytes: maxDownloadBytes,
    clock,
    maxEntries,
    // The issuer's ttl is capped by this verifier's own bound.
    maxTtlMs: maxStatusAgeMs,
    ...statusListKeeping(cacheMaxListBytes, limits),
    accept,
  });

  /** The outcome of one entry, given what loading its list gave. */
  function judge(ref: StatusEntryRef, issuer: string | undefined, loaded: LoadedList<AcceptedList>): StatusResult {
    if ('error' in loaded) {
      const failure = failed(loaded.error, loaded.from === 'local' ? 'local status list' : 'status list');
      return { outcome: failure.outcome, entry: ref, error: failure.error };
    }
    const { list } = loaded.value;
    const { source } = loaded;
    const invalid = (error: LegateError): StatusResult => ({ outcome: 'invalid', entry: ref, error, source });
    // §3.3 and Security Considerations: a list speaks only for its own issuer's credentials.
    if (issuer === undefined || list.issuer !== issuer) {
      return invalid(legateError('ERR_STATUS_ISSUER', 'status list is not signed by the credential issuer', { claim: 'issuer' }));
    }
    if (!list.purposes.includes(ref.purpose)) {
      return invalid(
        legateError('ERR_STATUS_PURPOSE', `status list does not serve purpose ${ref.purpose}`, {
          claim: 'statusPurpose',
          reason: 'mismatch',
        }),
      );
    }
    if (ref.index >= list.length) {
      return invalid(
        legateError('ERR_STATUS_LIST_LENGTH', `status list index ${ref.index} is beyond the list's ${list.length} entries`, {
          claim: 'statusListIndex',
          reason: 'range',
        }),
      );
    }
    if (!getBit(list.bits, ref.index)) return { outcome: 'ok', entry: ref, source };
    const revoked = ref.purpose === 'revocation';
    const error = legateError(revoked ? 'ERR_REVOKED' : 'ERR_SUSPENDED', `credential is ${revoked ? 'revoked' : 'suspended'}`, {
      claim: 'credentialStatus',
    });
    return { outcome: revoked ? 'revoked' : 'suspended', entry: ref, error, source };
  }

  /**
   * Every entry's outcome: synchronously when each list is fresh in the cache
   * (a verifier's hot path: no promise to wait for), a promise when one must
   * be loaded. A work budget's refusal is thrown.
   */
  function checkNow(credential: { credentialStatus?: unknown; issuer?: unknown }, lookup: StatusLookupOptions = {}): StatusResult[] | Promise<StatusResult[]> {
    const { entries, errors } = readStatusEntries(credential);
    const issuer = isRecord(credential) ? issuerId(credential) : undefined;
    const results: StatusResult[] = errors.map((error): StatusResult => ({ outcome: 'invalid', error }));
    const { budget } = lookup;
    const asked = lookup.maxAgeSeconds === undefined ? Infinity : statusAgeMs(lookup.maxAgeSeconds);
    const maxAgeMs = Math.min(asked, maxStatusAgeOf(credential, statusAgePolicy, maxStatusAgeMs));
    // Charged before any lookup: a message over its budget fetches nothing more.
    for (const ref of entries) budget?.chargeOnce('statusLists', ref.listUrl);
    // Lists fresh in the cache are judged synchronously; only the others are loaded (concurrently).
    const cached = entries.map((ref) => loader.peek(ref.listUrl, maxAgeMs));
    const missing = entries.filter((_, i) => cached[i] === undefined);
    const judgeAll = (loaded: readonly LoadedList<AcceptedList>[]): StatusResult[] => {
      let next = 0;
      entries.forEach((ref, i) => {
        const got = cached[i] ?? loaded[next++]!;
        // Inflating is the costly part: charged when this lookup inflated the list (fetched now, or kept compressed).
        if (budget !== undefined && 'value' in got && (got.source === 'network' || got.value.encodedList !== undefined)) {
          budget.charge('inflatedBytes', got.value.list.bits.length);
        }
        const result = judge(ref, issuer, got);
        // A list judged for its own issuer's credential (not invalid), fetched rather than this node's own.
        if (onRemoteList !== undefined && issuer !== undefined && result.source !== 'local' && result.outcome !== 'invalid' && 'value' in got) onRemoteList(ref.listUrl, issuer);
        results.push(result);
      });
      return results;
    };
    return missing.length === 0 ? judgeAll([]) : Promise.all(missing.map((ref) => loader.load(ref.listUrl, maxAgeMs))).then(judgeAll);
  }

  /** The errors among `results` that fail verification under the `onUnavailable` policy. */
  const failing = (results: readonly StatusResult[]): LegateError[] => {
    const errors: LegateError[] = [];
    for (const r of results) {
      if (r.error !== undefined && !(r.outcome === 'unavailable' && onUnavailable === 'ignore')) errors.push(r.error);
    }
    return errors;
  };

  return {
    check: async (credential, lookup) => checkNow(credential, lookup),
    expire: (url) => loader.expire(url),
    async statusErrors(credential, lookup) {
      const results = checkNow(credential, lookup);
      return failing(Array.isArray(results) ? results : await results);
    },
  };
}
