/**
 * @module oauth/errors
 *
 * Legate errors in OAuth's words. At the token endpoint: the RFC 6749 §5.2
 * JSON body (`error`, `error_description`), with RFC 8693, RFC 8707,
 * RFC 9396 and RFC 9449 codes, and the Legate code kept beside them. At a
 * resource server: the RFC 6750 §3 / RFC 9449 §7.1 `WWW-Authenticate`
 * challenge. Store, key and internal failures say nothing beyond
 * `server_error`; descriptions are restricted to the characters RFC 6749
 * allows and never carry token material (Legate messages never do).
 */

import { ERROR_TABLE, LegateError, type ErrorCode } from '../errors/index.js';
import type { ScopedCapability } from './scope.js';
import { DPOP_ALGS } from './types.js';

/** The OAuth error codes Legate answers with. */
export type OAuthError =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_authorization_details'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'server_error'
  | 'temporarily_unavailable';

/** One requested capability that was not granted, with the code saying why. */
export type RejectedCapability = ScopedCapability & { code: ErrorCode };

/** The RFC 6749 §5.2 body of a token endpoint error, with the Legate code. */
export interface TokenErrorBody {
  error: OAuthError;
  error_description: string;
  code: ErrorCode;
  rejected?: RejectedCapability[];
}

/** Codes that say the node cannot decide for now: another try may succeed. */
const UNAVAILABLE = new Set<ErrorCode>([
  'ERR_STATUS_UNAVAILABLE',
  'ERR_TRUST_LIST_UNAVAILABLE',
  'ERR_PEER_UNREACHABLE',
  'ERR_PEER_TIMEOUT',
  'ERR_DATA_DIR_IN_USE',
  'ERR_NOT_READY',
]);

/** Codes of the authorization decision itself (the token is fine, the request is beyond it): 403 at a resource server. */
const BEYOND_AUTHORITY = new Set<ErrorCode>([
  'ERR_NOT_AUTHORIZED',
  'ERR_INVALID_SCOPE',
  'ERR_CAPABILITY_WIDENED',
  'ERR_CONSTRAINT_AMOUNT',
  'ERR_CONSTRAINT_TIME',
  'ERR_BUDGET_EXCEEDED',
  'ERR_RATE_LIMITED',
  'ERR_APPROVAL_REQUIRED',
  'ERR_APPROVAL_MISMATCH',
]);

/**
 * True when `code` refuses what a valid token was used for (the request goes beyond the authority it
 * carries), not the token itself: a resource server answers 403 `insufficient_scope` with it.
 */
export function isBeyondAuthority(code: ErrorCode): boolean {
  return BEYOND_AUTHORITY.has(code);
}

/** Codes that say the request itself is malformed. */
const MALFORMED_REQUEST = new Set<ErrorCode>(['ERR_MALFORMED', 'ERR_INPUT_TOO_LARGE', 'ERR_INVALID_ARGUMENT', 'ERR_SCHEMA', 'ERR_WORK_LIMIT']);

/** A failure of this node (store, key, audit, internal), whose details stay inside. */
function isServerFailure(code: ErrorCode): boolean {
  return code === 'ERR_INTERNAL' || code === 'ERR_AUDIT_TAMPERED' || (ERROR_TABLE[code].kind === 'store' && !UNAVAILABLE.has(code));
}

/** The Legate code of anything thrown: a non-Legate error is an internal failure. */
const codeOf = (error: unknown): ErrorCode => (error instanceof LegateError ? error.code : 'ERR_INTERNAL');

/** RFC 6749 §5.2: `error_description` is %x20-21 / %x23-5B / %x5D-7E; anything else becomes a space. */
export function oauthDescription(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ').slice(0, 300);
}

/** The description of an error: its message, or a fixed text for a server failure. */
function descriptionOf(error: unknown, code: ErrorCode): string {
  if (isServerFailure(code) || !(error instanceof LegateError)) return 'internal error';
  return oauthDescription(error.message);
}

/**
 * The token endpoint's answer to an error (RFC 6749 §5.2; send with
 * `Cache-Control: no-store`, and a fresh `DPoP-Nonce`).
 *
 * @example
 * ```ts
 * const { status, body } = tokenEndpointError(error);
 * return c.json(body, status, { 'Cache-Control': 'no-store' });
 * ```
 */
export function tokenEndpointError(error: unknown, rejected?: readonly RejectedCapability[]): { status: number; body: TokenErrorBody } {
  const code = codeOf(error);
  const [status, oauth] = tokenEndpointStatus(code);
  const body: TokenErrorBody = { error: oauth, error_description: descriptionOf(error, code), code };
  if (rejected !== undefined && rejected.length > 0) body.rejected = rejected.map((r) => ({ ...r }));
  return { status, body };
}

function tokenEndpointStatus(code: ErrorCode): [number, OAuthError] {
  switch (code) {
    case 'ERR_UNSUPPORTED_GRANT_TYPE':
      return [400, 'unsupported_grant_type'];
    case 'ERR_INVALID_TARGET':
      return [400, 'invalid_target'];
    case 'ERR_INVALID_SCOPE':
      return [400, 'invalid_scope'];
    case 'ERR_INVALID_AUTHORIZATION_DETAILS':
      return [400, 'invalid_authorization_details'];
    // RFC 9449 §5 and §8: the token endpoint answers DPoP failures with 400.
    case 'ERR_DPOP_INVALID':
      return [400, 'invalid_dpop_proof'];
    case 'ERR_DPOP_NONCE':
      return [400, 'use_dpop_nonce'];
    case 'ERR_INVALID_CLIENT':
      return [401, 'invalid_client'];
    case 'ERR_RATE_LIMITED':
    case 'ERR_PEER_THROTTLED':
      return [429, 'temporarily_unavailable'];
    default:
      if (MALFORMED_REQUEST.has(code)) return [400, 'invalid_request'];
      if (UNAVAILABLE.has(code)) return [503, 'temporarily_unavailable'];
      if (isServerFailure(code)) return [500, 'server_error'];
      // Every other failure is of the presented tokens: signature, alg, time, nonce, replay, status, trust, chain.
      return [400, 'invalid_grant'];
  }
}

/** A resource server's answer to an error (RFC 6750 §3.1, RFC 9449 §7.1). */
export interface ResourceError {
  status: 400 | 401 | 403 | 500 | 503;
  error: OAuthError;
  description: string;
  code: ErrorCode;
}

/**
 * How a resource server refuses: `invalid_token` (401) for a token that
 * does not verify, is revoked or untrusted; `insufficient_scope` (403) for a
 * request beyond the token's authority; `invalid_dpop_proof` /
 * `use_dpop_nonce` (401) for the proof; `invalid_request` (400) for a
 * malformed request (an oversized token is `invalid_token`); 503 when the node that must decide cannot be asked
 * (fail closed); 500 for its own failures.
 *
 * @example
 * ```ts
 * const e = resourceError(error);
 * response.headers.set('WWW-Authenticate', wwwAuthenticate({ scheme: 'DPoP', error: e.error, description: e.description }));
 * ```
 */
export function resourceError(error: unknown): ResourceError {
  const code = codeOf(error);
  const description = descriptionOf(error, code);
  const answer = (status: ResourceError['status'], oauth: OAuthError): ResourceError => ({ status, error: oauth, description, code });
  if (code === 'ERR_DPOP_INVALID') return answer(401, 'invalid_dpop_proof');
  if (code === 'ERR_DPOP_NONCE') return answer(401, 'use_dpop_nonce');
  // A full replay cache is this side's trouble, not the request's: try again later.
  if (code === 'ERR_RATE_LIMITED' && (error as LegateError).reason === 'replay-cache-full') return answer(503, 'temporarily_unavailable');
  if (BEYOND_AUTHORITY.has(code)) return answer(403, 'insufficient_scope');
  // RFC 6750 §3.1: a malformed token, an oversized one included, is invalid_token (401), not a bad request.
  if (code === 'ERR_INPUT_TOO_LARGE' && (error as LegateError).claim === 'token') return answer(401, 'invalid_token');
  if (MALFORMED_REQUEST.has(code)) return answer(400, 'invalid_request');
  if (UNAVAILABLE.has(code)) return answer(503, 'temporarily_unavailable');
  if (isServerFailure(code) || !(error instanceof LegateError)) return answer(500, 'server_error');
  return answer(401, 'invalid_token');
}

/** The parameters of a `WWW-Authenticate` challenge. */
export interface ChallengeOptions {
  scheme: 'DPoP' | 'Bearer';
  error?: OAuthError | undefined;
  description?: string | undefined;
  /** The scope the request needs (`insufficient_scope`), space-separated. */
  scope?: string | undefined;
  /** The RFC 9728 metadata URL of this resource (RFC 9728 §5.1 `resource_metadata`). */
  resourceMetadata?: string | undefined;
  /** DPoP algorithms accepted (RFC 9449 §7.1 `algs`); default, for the DPoP scheme, EdDSA and ES256. */
  algs?: readonly string[] | undefined;
}

/** An RFC 9110 quoted-string: backslash and double quote escaped; anything but printable ASCII (CR and LF above all) a space. */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, ' ').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * A `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9449 §7.1).
 *
 * @example
 * ```ts
 * wwwAuthenticate({ scheme: 'DPoP', error: 'insufficient_scope', scope: 'pay:bank:acct',
 *   resourceMetadata: 'https://api.bank.example/.well-known/oauth-protected-resource' })
 * // 'DPoP error="insufficient_scope", scope="pay:bank:acct", resource_metadata="https://…", algs="EdDSA ES256"'
 * ```
 */
export function wwwAuthenticate(options: ChallengeOptions): string {
  const params: string[] = [];
  if (options.error !== undefined) params.push(`error=${quoted(options.error)}`);
  if (options.description !== undefined) params.push(`error_description=${quoted(oauthDescription(options.description))}`);
  if (options.scope !== undefined) params.push(`scope=${quoted(options.scope)}`);
  if (options.resourceMetadata !== undefined) params.push(`resource_metadata=${quoted(options.resourceMetadata)}`);
  const algs = options.algs ?? (options.scheme === 'DPoP' ? DPOP_ALGS : undefined);
  if (algs !== undefined && algs.length > 0) params.push(`algs=${quoted(algs.join(' '))}`);
  return params.length === 0 ? options.scheme : `${options.scheme} ${params.join(', ')}`;
}
