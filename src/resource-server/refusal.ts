/**
 * @module resource-server/refusal
 *
 * Refusals as a resource server sends them: RFC 6750 §3 / RFC 9449 §7.1
 * `WWW-Authenticate` challenges in the scheme the client used (DPoP unless
 * it presented a Bearer token on a server that allows those), the OAuth
 * error and the Legate code behind it, `algs` on DPoP challenges, and
 * always `resource_metadata` (RFC 9728 §5.1) so a client, an MCP client
 * above all, can find the authorization server and step up. A request with
 * no credentials gets a challenge without an error (RFC 6750 §3.1). A
 * request the token does not authorize is `insufficient_scope` (403) naming
 * the scope string that would. A nonce refusal carries a fresh
 * `DPoP-Nonce` (RFC 9449 §9); an unreachable node gives 503.
 */

import type { ErrorCode } from '../errors/index.js';
import { isLegateError, legateError } from '../errors/index.js';
import { isBeyondAuthority, oauthDescription, resourceError, wwwAuthenticate, type OAuthError } from '../oauth/errors.js';
import { formatScope } from '../oauth/scope.js';
import type { NonceIssuer } from '../oauth/nonce.js';
import type { RouteTarget, VerifyRefused } from './types.js';

/** How this server challenges: the scheme of the presentation, or both when none was made and Bearer is allowed. */
export interface ChallengeContext {
  scheme: 'DPoP' | 'Bearer' | 'any';
  resourceMetadata: string;
  nonces?: NonceIssuer | undefined;
}

/**
 * Codes of a refused authorization decision (not of a bad token): 403 `insufficient_scope`. Besides the
 * OAuth mapping's (`isBeyondAuthority`), a decision the node's PDP refuses for the capability's audience or
 * for a malformed request is about this request, not the token.
 */
const isRefusedDecision = (code: ErrorCode): boolean => isBeyondAuthority(code) || code === 'ERR_AUDIENCE' || code === 'ERR_MALFORMED';

function challenge(context: ChallengeContext, fields: { error?: OAuthError; description?: string; scope?: string }): string {
  // algs: the DPoP scheme's default, EdDSA and ES256 (what verifyDpopProof accepts).
  const dpop = wwwAuthenticate({ scheme: 'DPoP', ...fields, resourceMetadata: context.resourceMetadata });
  const bearer = wwwAuthenticate({ scheme: 'Bearer', ...fields, resourceMetadata: context.resourceMetadata });
  if (context.scheme === 'DPoP') return dpop;
  if (context.scheme === 'Bearer') return bearer;
  return `${dpop}, ${bearer}`;
}

/** The 401 of a request without credentials: a challenge, no error (RFC 6750 §3.1). */
export function missingCredentials(context: ChallengeContext): VerifyRefused {
  const headers: Record<string, string> = { 'WWW-Authenticate': challenge(context, {}) };
  if (context.nonces !== undefined) headers['DPoP-Nonce'] = context.nonces.issue();
  return { ok: false, status: 401, error: 'invalid_token', code: 'ERR_TOKEN_INVALID', description: 'this resource needs an access token', headers };
}

/** The refusal of a failed token or proof check (anything thrown while verifying). */
export function refusalOf(error: unknown, context: ChallengeContext): VerifyRefused {
  // A full replay cache cannot tell a replay from a first sight: the proof is not at fault, this server is busy.
  if (isLegateError(error) && error.reason === 'replay-cache-full') return unavailable(error, 'this resource server is busy; try again later');
  const mapped = resourceError(error);
  const headers: Record<string, string> = {};
  if (mapped.status === 400 || mapped.status === 401 || mapped.status === 403) {
    headers['WWW-Authenticate'] = challenge(context, { error: mapped.error, description: mapped.description });
  }
  if (mapped.error === 'use_dpop_nonce' && context.nonces !== undefined) headers['DPoP-Nonce'] = context.nonces.issue();
  if (mapped.status === 503) {
    // The upstream failure's text (hosts, statuses, transport errors) is for logs, not for the client.
    headers['Retry-After'] = '5';
    return { ok: false, status: 503, error: mapped.error, code: mapped.code, description: UNAVAILABLE_DESCRIPTION, headers, cause: error };
  }
  return { ok: false, status: mapped.status, error: mapped.error, code: mapped.code, description: mapped.description, headers };
}

/**
 * The refusal of a request the token does not authorize: 403
 * `insufficient_scope` naming the scope that would, for the codes of an
 * authorization decision; any other code the node gives (a revoked chain,
 * an inactive token) is mapped like a failed token check.
 */
export function decisionRefusal(reason: { code: ErrorCode; message: string }, target: RouteTarget | undefined, context: ChallengeContext): VerifyRefused {
  if (!isRefusedDecision(reason.code)) return refusalOf(legateError(reason.code, reason.message), context);
  const scope = target === undefined ? undefined : formatScope({ action: target.action, resource: target.resource, ...(target.scope === undefined ? {} : { scope: target.scope }) });
  const description = oauthDescription(reason.message);
  const headers = { 'WWW-Authenticate': challenge(context, { error: 'insufficient_scope', description, ...(scope === undefined ? {} : { scope }) }) };
  return { ok: false, status: 403, error: 'insufficient_scope', code: reason.code, description, headers, scope };
}

/** What a 503 says: fixed, so no upstream detail (hosts, statuses, transport errors) reaches the client. */
const UNAVAILABLE_DESCRIPTION = 'the authorization server must decide this request and cannot be reached now; try again later';

/**
 * 503: the node must decide and cannot be asked (or this server cannot decide now). Never an allow. The
 * description is fixed (or the caller's own fixed text); the failure itself is kept in `cause`, for logs only.
 */
export function unavailable(error: unknown, description?: string): VerifyRefused {
  const code: ErrorCode = isLegateError(error) && (error.code === 'ERR_PEER_TIMEOUT' || error.code === 'ERR_RATE_LIMITED') ? error.code : 'ERR_PEER_UNREACHABLE';
  return {
    ok: false,
    status: 503,
    error: 'temporarily_unavailable',
    code,
    description: description ?? UNAVAILABLE_DESCRIPTION,
    headers: { 'Retry-After': '5' },
    cause: error,
  };
}
