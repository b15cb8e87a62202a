/**
 * @module registry/source
 *
 * Where the trust registry gets its lists: `loadList` when the caller
 * supplies one, else a `local` lookup then HTTPS with the same bounds,
 * conditional requests and cache as status lists (`lib/list-loader`). A
 * trust list has no `ttl`, so it stays fresh for its `Cache-Control:
 * max-age` (at most a day) or five minutes, never past its `validUntil`.
 * Only lists that verify (signature, schema, `id` = URL) are cached. What
 * depends on how a list was reached is checked at every use, through a
 * per-decision session: the signer is the one the path expects, the list is
 * still within its validity, and (with a `status` check) it is not revoked,
 * so a revocation takes effect as soon as the status list's cache allows,
 * whatever the trust list's own freshness. Internal to `registry/`.
 */

import type { KeyResolvable } from '../did/verification-key.js';
import { createHttpClient, type HttpClient } from '../lib/http-client.js';
import type { StatusCheck } from '../credential/verify-jwt.js';
import { LegateError, legateError, type ErrorCode, type TimeError } from '../errors/index.js';
import type { Clock } from '../lib/clock.js';
import { createListLoader, type ListLoader } from '../lib/list-loader.js';
import { listUnavailable, type ListKind } from '../lib/list-fetch.js';
import { verifyTrustList } from './trust-list.js';
import type { SkippedList, TrustListCredential } from './types.js';

/** Default freshness of a trust list whose response states no `max-age`: five minutes. */
export const DEFAULT_TRUST_LIST_TTL_MS = 5 * 60 * 1000;
/** Longest a fetched trust list is used without asking again, whatever `max-age` says: one day. */
export const MAX_TRUST_LIST_TTL_MS = 24 * 60 * 60 * 1000;

export const TRUST_LIST: ListKind = {
  what: 'trust list',
  claim: 'trustList',
  unavailableCode: 'ERR_TRUST_LIST_UNAVAILABLE',
  accept: 'application/vc+jwt, application/jwt;q=0.5',
};

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface SourceOptions {
  resolver: KeyResolvable;
  loadList: ((url: string) => Promise<string>) | undefined;
  http: HttpClient;
  local: ((url: string) => Promise<string | undefined>) | undefined;
  allowHttpLoopback: boolean;
  maxDownloadBytes: number;
  timeoutMs: number;
  cacheMaxEntries: number;
  status: StatusCheck | undefined;
  clock: Clock;
  skewSeconds: number;
}

/** A list usable on this path, or why it was passed over. */
export type Opened = { credential: TrustListCredential } | { skipped: SkippedList };

/** Opens lists for one decision; each URL is loaded and status-checked at most once per session. */
export interface Session {
  open(url: string, issuer: string): Promise<Opened>;
}

export interface ListSource {
  session(): Session;
}

/** The skip record of a failure: its own code when it is a LegateError. */
export function skipOf(url: string, error: unknown, entry?: string): SkippedList {
  const e = error instanceof LegateError ? error : listUnavailable(TRUST_LIST, 'trust list failed unexpectedly', 'internal', error);
  return {
    url,
    code: e.code,
    message: e.message,
    ...(e.reason === undefined ? {} : { reason: e.reason }),
    ...(entry === undefined ? {} : { entry }),
  };
}

/** The time error of a window at `now` with `skewMs` tolerance, or undefined. */
export function windowError(
  what: string,
  validFrom: string | undefined,
  validUntil: string | undefined,
  now: number,
  skewMs: number,
): TimeError | undefined {
  if (validFrom !== undefined && Date.parse(validFrom) - skewMs > now) {
    return legateError('ERR_NOT_YET_VALID', `${what} is not valid before ${validFrom}`, { claim: 'validFrom' });
  }
  if (validUntil !== undefined && Date.parse(validUntil) + skewMs < now) {
    return legateError('ERR_EXPIRED', `${what} expired at ${validUntil}`, { claim: 'validUntil' });
  }
  return undefined;
}

/** Creates the registry's list source, with its cache. */
export function createListSource(options: SourceOptions): ListSource {
  const { resolver, clock, skewSeconds, maxDownloadBytes, status } = options;

  async function accept(body: string, url: string): Promise<TrustListCredential> {
    const text = body.trim();
    if (!COMPACT_JWS.test(text)) throw listUnavailable(TRUST_LIST, 'trust list is not a vc+jwt credential', 'ERR_MALFORMED');
    const result = await verifyTrustList(text, { resolver, clock, skewSeconds, maxLength: maxDownloadBytes, expectedUrl: url });
    const [first] = result.errors;
    if (first !== undefined) throw first;
    if (result.credential === undefined) throw listUnavailable(TRUST_LIST, 'trust list did not decode', 'ERR_MALFORMED');
    return result.credential;
  }

  const { loadList } = options;
  const loader: ListLoader<TrustListCredential> = createListLoader<TrustListCredential>({
    kind: TRUST_LIST,
    // With loadList every list comes from it; the network is never used.
    http: loadList === undefined ? options.http : createHttpClient({ fetch: () => Promise.reject(new Error('loadList returned no list')) }),
    local: loadList ?? options.local,
    allowHttpLoopback: options.allowHttpLoopback,
    timeoutMs: options.timeoutMs,
    maxBytes: maxDownloadBytes,
    clock,
    maxEntries: options.cacheMaxEntries,
    defaultTtlMs: DEFAULT_TRUST_LIST_TTL_MS,
    maxTtlMs: MAX_TRUST_LIST_TTL_MS,
    lifetime: (credential) => ({ ttlMs: undefined, validUntil: credential.validUntil === undefined ? undefined : Date.parse(credential.validUntil) }),
    accept,
  });

  function mismatch(code: ErrorCode, url: string, message: string, claim: string): SkippedList {
    return skipOf(url, legateError(code, message, { claim }));
  }

  return {
    session() {
      const loads = new Map<string, Promise<{ credential: TrustListCredential } | { error: unknown }>>();
      const statuses = new Map<string, Promise<LegateError[]>>();

      const load = (url: string) => {
        let pending = loads.get(url);
        if (pending === undefined) {
          pending = loader.load(url).then((loaded) => ('error' in loaded ? { error: loaded.error } : { credential: loaded.value }));
          loads.set(url, pending);
        }
        return pending;
      };

      const statusOf = (url: string, credential: TrustListCredential): Promise<LegateError[]> => {
        if (status === undefined || credential.credentialStatus === undefined) return Promise.resolve([]);
        let pending = statuses.get(url);
        if (pending === undefined) {
          pending = status(credential as unknown as Record<string, unknown>, credential.issuer).catch((cause: unknown) => [
            legateError('ERR_STATUS_UNAVAILABLE', 'trust list status check failed', { claim: 'credentialStatus', cause }),
          ]);
          statuses.set(url, pending);
        }
        return pending;
      };

      return {
        async open(url, issuer) {
          const loaded = await load(url);
          if ('error' in loaded) return { skipped: skipOf(url, loaded.error) };
          const { credential } = loaded;
          if (credential.issuer !== issuer) {
            const message = `trust list is signed by ${credential.issuer}, not by the expected ${issuer}`;
            return { skipped: mismatch('ERR_TRUST_LIST_ISSUER', url, message, 'issuer') };
          }
          // A cached or local list may have aged out of its window since it was verified.
          const late = windowError('trust list', credential.validFrom, credential.validUntil, clock().getTime(), skewSeconds * 1000);
          if (late !== undefined) return { skipped: skipOf(url, late) };
          const [revoked] = await statusOf(url, credential);
          if (revoked !== undefined) return { skipped: skipOf(url, revoked) };
          return { credential };
        },
      };
    },
  };
}
