/**
 * @module node/oauth/introspect
 *
 * `POST /oauth/introspect` (RFC 7662), for resource servers that want
 * revocation freshness. The caller authenticates (`private_key_jwt`,
 * node/oauth/client-auth) or gets 401 `invalid_client`. A token is active
 * when it verifies as one this node issued (its keys, its issuer, one of its
 * resources, unexpired) and every chain behind its capabilities, as the
 * node stored them at the exchange, still verifies: a revoked or suspended
 * credential anywhere in a chain, as far as the node's status knowledge
 * goes (its own lists at once, other issuers' lists by their cache), makes
 * it inactive. So is a token for an audience the caller does not serve
 * (`oauth.clients`): a resource server learns only about its own tokens.
 * An inactive answer says nothing more (RFC 7662 §2.2). Every answer is
 * audited with the caller's DID.
 */

import { isLegateError, LegateError, legateError } from '../../errors/index.js';
import { attributionOf } from '../../oauth/act.js';
import type { AccessTokenClaims } from '../../oauth/types.js';
import { audit, auditRefusal } from '../audit.js';
import type { NodeContext } from '../context.js';
import { verificationOptions } from '../verify.js';
import { authenticateClient, claimedClient, formAssertion, invalidClient, type AuthenticatedClient } from './client-auth.js';
import { accessTokenChains, chainProblem, grantedCapabilities, verifyOwnAccessToken } from './evaluate-subject.js';
import type { EndpointResponse, IntrospectionRequest } from './types.js';

/** The path the introspection endpoint is served at (an accepted client-assertion audience). */
export const INTROSPECTION_PATH = '/oauth/introspect';

const NO_STORE = { 'Cache-Control': 'no-store' };

/** Codes that say the node itself failed, not the token: answered 500, never `active: false`. */
const OWN_FAILURES = new Set(['ERR_STORE', 'ERR_STORE_CORRUPT', 'ERR_INTERNAL', 'ERR_KEY_UNAVAILABLE']);

const serverError = (): EndpointResponse => ({ status: 500, body: { error: 'server_error', error_description: 'the introspection failed', code: 'ERR_INTERNAL' }, headers: NO_STORE });

/** The response members of an active token (RFC 7662 §2.2, with RFC 9068's claims and RFC 9449's `token_type`). */
function activeBody(claims: AccessTokenClaims): Record<string, unknown> {
  const { scope, client_id, sub, aud, iss, exp, iat, jti, cnf, act, authorization_details } = claims;
  return {
    active: true,
    ...{ scope, client_id, sub, aud, iss, exp, iat, jti },
    ...(cnf === undefined ? {} : { cnf }),
    act,
    authorization_details,
    token_type: cnf === undefined ? 'Bearer' : 'DPoP',
  };
}

/** Whether `token` is active for `caller`, and why not; throws only for the node's own failures. */
async function inspect(node: NodeContext, caller: AuthenticatedClient, token: string): Promise<{ claims?: AccessTokenClaims; problem?: LegateError }> {
  let claims: AccessTokenClaims;
  try {
    claims = await verifyOwnAccessToken(node, token);
  } catch (error) {
    if (error instanceof LegateError && !OWN_FAILURES.has(error.code)) return { problem: error };
    throw error;
  }
  // Checked before the chains: another resource server's token costs no chain verification.
  if (!caller.audiences.has(claims.aud)) return { claims, problem: legateError('ERR_AUDIENCE', 'the token is for an audience this client does not serve', { claim: 'aud' }) };
  const problem = await chainProblem(grantedCapabilities(claims), await accessTokenChains(node, claims), verificationOptions(node));
  if (problem !== undefined && OWN_FAILURES.has(problem.code)) throw problem;
  return problem === undefined ? { claims } : { claims, problem };
}

/**
 * Answers one introspection request: 401 for an unauthenticated caller,
 * 400 without exactly one `token`, else 200 with `active` and, when active,
 * the token's claims. Never throws.
 */
export async function introspectionEndpoint(node: NodeContext, request: IntrospectionRequest): Promise<EndpointResponse> {
  let caller: AuthenticatedClient;
  const assertion = formAssertion(request.form);
  try {
    caller = await authenticateClient(node, assertion, INTROSPECTION_PATH);
  } catch (error) {
    if (!isLegateError(error, 'ERR_INVALID_CLIENT')) return serverError();
    await auditRefusal(node, { type: 'introspection', agent: claimedClient(assertion) }, error);
    return invalidClient(node, error);
  }
  const tokens = request.form.getAll('token');
  if (tokens.length !== 1 || tokens[0] === '') {
    const body = { error: 'invalid_request', error_description: 'exactly one token parameter is required', code: 'ERR_INVALID_ARGUMENT' };
    return { status: 400, body, headers: NO_STORE };
  }
  try {
    const { claims, problem } = await inspect(node, caller, tokens[0]!);
    const chain = claims === undefined ? undefined : attributionOf(claims);
    await audit(node, {
      type: 'introspection',
      decision: problem === undefined ? 'allow' : 'deny',
      agent: claims?.client_id,
      owner: claims?.sub,
      chain,
      session: claims?.jti,
      credentials: claims === undefined ? undefined : [...new Set(grantedCapabilities(claims).map((c) => c.credential))].slice(0, 32),
      reasons: problem === undefined ? undefined : [problem.code],
      details: { caller: caller.did },
    });
    return { status: 200, body: problem === undefined && claims !== undefined ? activeBody(claims) : { active: false }, headers: NO_STORE };
  } catch {
    return serverError();
  }
}
