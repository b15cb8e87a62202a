/**
 * @module resource-server/types
 *
 * The shapes of the drop-in verifier (`legate/resource-server`): what a
 * service configures (its resource URL, the authorization servers it trusts,
 * how its routes map to Legate capabilities, DPoP and PDP settings), and
 * what one verification answers: the verified claims, the capability that
 * allows the request and who stands behind it, or a refusal already shaped
 * as an RFC 6750 / RFC 9449 response (status, error, `WWW-Authenticate`).
 * A route may also be open to any valid token for this resource
 * ({@link AUTHENTICATED}): the token and its DPoP proof are verified, and
 * no capability is asked for.
 */

import type { Money } from '../credential/types.js';
import type { ErrorCode } from '../errors/index.js';
import type { Clock } from '../lib/clock.js';
import type { FetchLike } from '../lib/http.js';
import type { Signer } from '../lib/signer.js';
import type { ReplayCache } from '../handshake/replay-cache.js';
import type { OAuthError } from '../oauth/errors.js';
import type { AccessTokenClaims, LegateAuthorizationDetail } from '../oauth/types.js';

/** What one concrete request asks Legate for: the capability it needs, and the amount it carries. */
export interface RouteTarget {
  action: string;
  /** A concrete Legate resource (`billing:refund`), not the resource URL. */
  resource: string;
  /** A scope tag: a scoped capability never satisfies a request without it. */
  scope?: string | undefined;
  /** The amount the request carries (Legate Money), checked against `maxAmount` and budgets. */
  amount?: Money | undefined;
}

/**
 * The route answer for a request any valid token for this resource may
 * make (an MCP `initialize`, a "who am I" route): the token and its DPoP
 * proof are verified as for any route, then no capability is checked and
 * no PDP asked. The allowed result says so ({@link VerifyAuthenticated}).
 */
export const AUTHENTICATED = 'authenticated';

/** What a mapping answers for a request: the capability it needs, or {@link AUTHENTICATED} (a valid token is enough). */
export type RouteAnswer = RouteTarget | typeof AUTHENTICATED;

/** The concrete request a mapping reads. */
export interface RouteRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** The URL path, percent-decoding left to the mapping. */
  path: string;
  /** Named segments of a table key (`/refunds/:id` gives `{ id }`); empty for a function mapping. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed body (JSON, or a form as an object), only when `body` is enabled; otherwise undefined. */
  body?: unknown;
}

/** Maps a request to its target; `undefined` when no Legate authority covers the route, which is refused. */
export type RouteFunction = (request: RouteRequest) => RouteAnswer | undefined | Promise<RouteAnswer | undefined>;

/**
 * How the service's requests map to capabilities: a function, or a table
 * keyed `"<METHOD> <path>"` (`"POST /refunds"`, `"GET /tickets/:id"`, method
 * `*` for any) whose values are targets, {@link AUTHENTICATED}, or
 * functions of the request.
 */
export type RouteMapping = RouteFunction | Readonly<Record<string, RouteAnswer | RouteFunction>>;

/** DPoP settings of a resource server. */
export interface DpopOptions {
  /** Refuse Bearer presentations (RFC 9449 §7.1). Default true. */
  required?: boolean | undefined;
  /**
   * Require a server nonce (RFC 9449 §9): the proof's `nonce` must be one this
   * service issued (stateless, HMAC with `key`, at least 32 bytes; share it
   * between the instances of the service). Refusals carry a fresh
   * `DPoP-Nonce` header.
   */
  nonce?: { key: Uint8Array; lifetimeSeconds?: number | undefined } | undefined;
}

/** A private Ed25519 key as a JWK (RFC 8037). */
export interface Ed25519PrivateJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d: string;
  kid?: string | undefined;
}

/** The AuthZEN policy decision point that settles budgets, rate limits and approvals (the node that issued the token). */
export interface PdpOptions {
  /**
   * This service as a client of the node: its DID (listed in the node's
   * `oauth.clients`) and its Ed25519 key, as a signer or a private JWK
   * (`kid` = the key's DID URL; for a did:key it may be left out).
   */
  client: { did: string; signer: Signer } | { did: string; privateJwk: Ed25519PrivateJwk };
  /** The evaluation endpoint; default discovered from the token issuer's `/.well-known/authzen-configuration`. */
  endpoint?: string | undefined;
  /** Deadline of one evaluation, in ms. Default 5,000. */
  timeoutMs?: number | undefined;
}

/** Options of `createResourceServer`. */
export interface ResourceServerOptions {
  /** This service's resource URL (RFC 8707): the only `aud` it accepts, compared exactly (as the node lists it in `oauth.resources`). */
  resource: string;
  /** The authorization servers trusted (issuer URLs, exact match). Nothing is fetched for any other. */
  issuers: readonly string[];
  /** How requests map to capabilities. */
  routes: RouteMapping;
  /** Parse the request body for the mapping (JSON or form), within `maxBytes` (default 64 KiB). Default off. */
  body?: boolean | { maxBytes?: number | undefined } | undefined;
  dpop?: DpopOptions | undefined;
  /** Clock skew allowed on token and proof times, in seconds. Default 60. */
  skewSeconds?: number | undefined;
  /** Oldest DPoP proof accepted, in seconds. Default 120. */
  dpopMaxAgeSeconds?: number | undefined;
  /** Where DPoP `jti`s are remembered; default an in-memory bounded cache (share a store-backed one between instances). */
  replay?: ReplayCache | undefined;
  pdp?: PdpOptions | undefined;
  /** The public origin (`https://api.example`) the service is reached at, when a proxy changes it: DPoP `htu` is checked against it. */
  publicOrigin?: string | undefined;
  /** The RFC 9728 metadata URL named in refusals; default the well-known URL of `resource`. */
  resourceMetadata?: string | undefined;
  clock?: Clock | undefined;
  /** Carries the HTTP requests (AS metadata, JWKS, PDP) instead of the built-in client: tests. */
  fetch?: FetchLike | undefined;
  /** Plain HTTP and loopback addresses may be contacted (tests, local development). Default false. */
  allowHttpLoopback?: boolean | undefined;
  /** Least time between two JWKS fetches for an unknown `kid`, per issuer, in ms. Default 30,000. */
  jwksCooldownMs?: number | undefined;
  /** How long a fetched JWKS is used before it is fetched again, in ms. Default 600,000. */
  jwksTtlMs?: number | undefined;
}

/** Who acted for whom: current actor first, then prior actors, then the owner (`sub`). */
export type Attribution = string[];

/** What every allowed request carries. */
interface AllowedCommon {
  ok: true;
  claims: AccessTokenClaims;
  attribution: Attribution;
  /** Headers to add to the response (a fresh `DPoP-Nonce` when nonces are on). */
  headers: Record<string, string>;
  /** The parsed body the mapping read, when `body` is enabled (undefined for none). */
  body?: unknown;
}

/** A request allowed by a capability of the token. */
export interface VerifyGranted extends AllowedCommon {
  /** The granted capability (authorization detail) that allows the request. */
  capability: LegateAuthorizationDetail;
  /** What the request was mapped to. */
  target: RouteTarget;
  /** Who decided: this process, or the node's PDP as well (stateful constraints). */
  decidedBy: 'local' | 'pdp';
}

/** A request to a route mapped to {@link AUTHENTICATED}: the token and its proof verified, no capability checked. */
export interface VerifyAuthenticated extends AllowedCommon {
  capability?: undefined;
  target: typeof AUTHENTICATED;
  decidedBy: 'token';
}

/** An allowed request: by a capability, or on a valid token alone where the mapping says so. */
export type VerifyAllowed = VerifyGranted | VerifyAuthenticated;

/** The OAuth error of a refusal (RFC 6750 §3.1, RFC 9449 §7.1, RFC 6749 §5.2 for 500 and 503). */
export type ResourceErrorName = OAuthError;

/** A refused request, ready to send. */
export interface VerifyRefused {
  ok: false;
  status: number;
  error: ResourceErrorName;
  /** The Legate code behind it. */
  code: ErrorCode;
  description: string;
  /** `WWW-Authenticate` (401, 403, 400), `DPoP-Nonce` on a nonce refusal, `Retry-After` on 503. */
  headers: Record<string, string>;
  /** The scope string that would allow the request (`insufficient_scope`). */
  scope?: string | undefined;
  /** The upstream failure behind a 503, for the service's logs; never sent (`refusalBody` leaves it out). */
  cause?: unknown;
}

export type VerifyResult = VerifyAllowed | VerifyRefused;

/** A resource server: verify requests, and close its HTTP connections when done. */
export interface ResourceServer {
  readonly resource: string;
  /** The RFC 9728 metadata URL its refusals name. */
  readonly resourceMetadata: string;
  /** Whether the mapping reads bodies (adapters then pass them on). */
  readonly readsBody: boolean;
  /** The largest body read for the mapping, in bytes. */
  readonly maxBodyBytes: number;
  readonly publicOrigin: string | undefined;
  /** Verifies one request; never throws for anything the request carries. */
  verify(request: Request): Promise<VerifyResult>;
  /** Closes kept-alive connections to the AS and PDP. */
  close(): Promise<void>;
}

/** The body of a refusal response: RFC 6749 §5.2 form, with the Legate code. */
export function refusalBody(refusal: VerifyRefused): { error: string; error_description: string; code: ErrorCode; scope?: string } {
  return { error: refusal.error, error_description: refusal.description, code: refusal.code, ...(refusal.scope === undefined ? {} : { scope: refusal.scope }) };
}
