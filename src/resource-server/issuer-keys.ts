/**
 * @module resource-server/issuer-keys
 *
 * The signing keys of the authorization servers a resource server trusts,
 * found the way stock OAuth resource servers find them: the issuer's RFC
 * 8414 metadata names its `jwks_uri`, and the JWKS holds the keys by `kid`.
 * Trust before fetch: nothing is fetched for an issuer outside the
 * allow-list. A JWKS is kept for a TTL; a token naming a `kid` it does not
 * hold (a rotated key) triggers one refetch, at most once per cooldown per
 * issuer (jose's `createRemoteJWKSet` model), so a stream of tokens with
 * invented kids costs one fetch per cooldown. The documents are fetched and
 * bounded by oauth/discovery. A failed fetch (issuer down,
 * bad metadata or JWKS) is remembered for the cooldown too: until it ends,
 * every request needing that issuer's keys fails closed with the same code
 * at once, so a down issuer is asked once per cooldown, not once per
 * request. The metadata's `issuer` must be the
 * issuer asked for (RFC 8414 §3.3).
 */

import { isLegateError, legateError, type LegateError } from '../errors/index.js';
import { epochMsOf, systemClock, type Clock } from '../lib/clock.js';
import type { HttpClient } from '../lib/http-client.js';
import { ed25519KeyFromJwks } from '../oauth/jwks.js';
import { fetchIssuerJwks } from '../oauth/discovery.js';

/** Most kids remembered as resolved per issuer. */
const MAX_RESOLVED = 256;

export interface IssuerKeysOptions {
  issuers: readonly string[];
  http: HttpClient;
  clock?: Clock | undefined;
  /** Least time between two fetches of one issuer's JWKS for an unknown kid, in ms. */
  cooldownMs: number;
  /** How long a JWKS is used before it is fetched again, in ms. */
  ttlMs: number;
}

interface IssuerState {
  jwks: { keys: unknown[] };
  /** Keys already extracted, by kid. */
  resolved: Map<string, Uint8Array>;
  fetchedAt: number;
}

/** Looks up the Ed25519 key of `(iss, kid)`, `undefined` when the issuer's JWKS does not hold it. */
export type IssuerKeyLookup = (iss: string, kid: string) => Promise<Uint8Array | undefined> | Uint8Array | undefined;

/**
 * A key lookup over the JWKS of the trusted issuers, for `verifyAccessToken`.
 *
 * @example
 * ```ts
 * const key = issuerKeys({ issuers: ['https://acme.example'], http, cooldownMs: 30_000, ttlMs: 600_000 });
 * await verifyAccessToken(token, { issuers, audience, key });
 * ```
 */
export function issuerKeys(options: IssuerKeysOptions): IssuerKeyLookup {
  const trusted = new Set(options.issuers);
  const now = epochMsOf(options.clock ?? systemClock);
  const states = new Map<string, IssuerState>();
  /** Time of the last fetch attempt per issuer (success or failure): the cooldown counts from it. */
  const attempted = new Map<string, number>();
  /** The failure of the last fetch per issuer, while it is the latest attempt. */
  const failed = new Map<string, LegateError>();
  const inFlight = new Map<string, Promise<IssuerState>>();

  const fetchState = (iss: string): Promise<IssuerState> => {
    let pending = inFlight.get(iss);
    if (pending === undefined) {
      const last = failed.get(iss);
      if (last !== undefined && now() - attempted.get(iss)! < options.cooldownMs) {
        // Backoff: the issuer failed within the cooldown; answer with its failure rather than asking again.
        return Promise.reject(legateError(last.code, last.message, { claim: 'jwks', reason: 'backoff', cause: last }));
      }
      attempted.set(iss, now());
      pending = fetchIssuerJwks(options.http, iss).then(
        (jwks) => {
          const state: IssuerState = { jwks, resolved: new Map(), fetchedAt: now() };
          states.set(iss, state);
          failed.delete(iss);
          return state;
        },
        (error: unknown) => {
          // The client is not at fault for its issuer's failure (down, bad metadata, an oversized JWKS): 503, never 400 or 401.
          const failure = isLegateError(error, 'ERR_PEER_TIMEOUT')
            ? error
            : legateError('ERR_PEER_UNREACHABLE', `the keys of ${iss} cannot be fetched`, { claim: 'jwks', reason: 'issuer-keys', cause: error });
          failed.set(iss, failure);
          throw failure;
        },
      );
      pending = pending.finally(() => inFlight.delete(iss));
      inFlight.set(iss, pending);
    }
    return pending;
  };

  const lookup = async (iss: string, kid: string): Promise<Uint8Array | undefined> => {
    let state = states.get(iss);
    if (state === undefined || now() - state.fetchedAt >= options.ttlMs) state = await fetchState(iss);
    let key = keyOf(state, kid);
    if (key === undefined && now() - (attempted.get(iss) ?? Number.NEGATIVE_INFINITY) >= options.cooldownMs) {
      // An unknown kid may be a key rotated in since the last fetch: look once, then not again until the cooldown ends.
      state = await fetchState(iss);
      key = keyOf(state, kid);
    }
    return key;
  };
  return (iss, kid) => {
    // Trust before fetch: verifyAccessToken checks the issuer first too; this guard keeps the lookup safe on its own.
    if (!trusted.has(iss)) return undefined;
    // The hot path: a fresh JWKS that already yielded this kid answers at once, with no promise to await.
    const state = states.get(iss);
    const known = state !== undefined && now() - state.fetchedAt < options.ttlMs ? state.resolved.get(kid) : undefined;
    return known ?? lookup(iss, kid);
  };
}

function keyOf(state: IssuerState, kid: string): Uint8Array | undefined {
  const known = state.resolved.get(kid);
  if (known !== undefined) return known;
  const key = ed25519KeyFromJwks(state.jwks, kid);
  if (key !== undefined && state.resolved.size < MAX_RESOLVED) state.resolved.set(kid, key);
  return key;
}
