/**
 * @module node/oauth/request-token
 *
 * `legate token`: one of this node's agents obtains an access token from
 * another organization's authorization server by RFC 8693 token exchange,
 * as any OAuth client would. It reads the server's RFC 8414 metadata
 * (its `issuer` must be the one named), makes a fresh DPoP key (RFC 9449),
 * gets a nonce from the token endpoint (`DPoP-Nonce`, which the server sends
 * on every answer), then presents the agent's credentials with their chains
 * in a `vp+jwt` addressed to the issuer, carrying that nonce and the DPoP
 * key's thumbprint (`jkt`), and POSTs the exchange with a DPoP proof. The
 * private DPoP key is returned, so the process that uses the token can sign
 * its own proofs. Refusals come back as LegateErrors with the server's code.
 */

import { errorFromWire, isErrorCode, legateError, type ErrorCode } from '../../errors/index.js';
import { isRecord } from '../../lib/assert.js';
import type { HttpResponse } from '../../lib/http-client.js';
import { createDpopProof, generateDpopKey, privateJwkOf, type DpopKeyPair } from '../../oauth/dpop.js';
import { formatScope, parseScope, parseScopes } from '../../oauth/scope.js';
import { GRANT_TYPE_TOKEN_EXCHANGE, MAX_GRANTED_CAPABILITIES, TOKEN_TYPE_PRESENTATION, type DpopAlg } from '../../oauth/types.js';
import { fetchAuthorizationServerMetadata, issuerIdentifier } from '../../oauth/discovery.js';
import { createPresentation } from '../../presentation/create.js';
import type { AgentCapabilityCredential } from '../../credential/types.js';
import { decodeCompactJws } from '../../lib/jws.js';
import type { NodeContext } from '../context.js';
import { getAgent } from '../agents.js';
import { heldCredentials } from '../present.js';

import type { RequestTokenOptions, RequestedToken } from './types.js';
import { agentSigner } from '../signers.js';

/** Largest token endpoint answer read, in bytes. */
const MAX_RESPONSE_BYTES = 256 * 1024;
/** RFC 9449 §8.1: a nonce is NQCHAR; longer than this is no nonce of a sane server. */
const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]{1,512}$/;
/** Longest part of a server's `error_description` repeated in an error message. */
const MAX_DESCRIPTION = 200;
/** Most refused items named in an error message. */
const MAX_NAMED_REJECTIONS = 8;

/** The Legate code of a standard OAuth error, for a server that sends none of its own. */
const CODE_OF_OAUTH_ERROR: Readonly<Record<string, ErrorCode>> = {
  invalid_request: 'ERR_INVALID_ARGUMENT',
  invalid_client: 'ERR_INVALID_CLIENT',
  unauthorized_client: 'ERR_INVALID_CLIENT',
  invalid_grant: 'ERR_NOT_AUTHORIZED',
  unsupported_grant_type: 'ERR_UNSUPPORTED_GRANT_TYPE',
  invalid_scope: 'ERR_INVALID_SCOPE',
  invalid_target: 'ERR_INVALID_TARGET',
  invalid_authorization_details: 'ERR_INVALID_AUTHORIZATION_DETAILS',
  invalid_dpop_proof: 'ERR_DPOP_INVALID',
  use_dpop_nonce: 'ERR_DPOP_NONCE',
  temporarily_unavailable: 'ERR_PEER_UNREACHABLE',
};

type Rejected = RequestedToken['rejected'][number];

/** Printable ASCII only, bounded: what a remote server says is repeated, never trusted. */
const printable = (value: unknown, max: number): string => (typeof value === 'string' ? value.replace(/[^\x20-\x7e]/g, '?').slice(0, max) : '');

/**
 * The capabilities asked for, as scope strings: the given ones, checked
 * (`action:resource[#scope]`), or else every capability the agent holds
 * (as `legate handshake` asks for everything by default).
 */
function requestedScope(scope: readonly string[] | undefined, tokens: readonly string[], agentDid: string): string {
  const wanted = scope ?? heldScopes(tokens, agentDid);
  const unique = [...new Set(wanted.flatMap((s) => s.split(' ')).filter((s) => s !== ''))].map((s) => formatScope(parseScope(s)));
  if (unique.length === 0) throw legateError('ERR_INVALID_SCOPE', 'ask for at least one capability (--scope "<action>:<resource>")', { claim: 'scope' });
  if (unique.length > MAX_GRANTED_CAPABILITIES) {
    throw legateError('ERR_INVALID_SCOPE', `at most ${MAX_GRANTED_CAPABILITIES} capabilities per token request`, { claim: 'scope' });
  }
  return unique.join(' ');
}

function heldScopes(tokens: readonly string[], agentDid: string): string[] {
  const scopes: string[] = [];
  for (const token of tokens) {
    let credential: AgentCapabilityCredential;
    try {
      credential = decodeCompactJws(token).payload as unknown as AgentCapabilityCredential;
    } catch {
      continue; // a Data Integrity credential: name its capabilities with --scope
    }
    if (credential.credentialSubject?.id !== agentDid) continue;
    for (const c of credential.credentialSubject.capabilities) scopes.push(formatScope(c));
  }
  return scopes.slice(0, MAX_GRANTED_CAPABILITIES);
}

/** EdDSA unless the server lists only ES256 (RFC 9449 §5.1). */
function dpopAlgFor(algs: readonly string[] | undefined): DpopAlg {
  if (algs === undefined || algs.includes('EdDSA')) return 'EdDSA';
  if (algs.includes('ES256')) return 'ES256';
  throw legateError('ERR_DPOP_INVALID', 'the authorization server accepts no DPoP algorithm Legate signs with (EdDSA, ES256)', { claim: 'dpop', reason: 'alg' });
}

function bodyOf(response: HttpResponse): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(response.body));
  } catch {
    throw legateError('ERR_MALFORMED', `the token endpoint answered HTTP ${response.status} without JSON`, { claim: 'response', reason: String(response.status) });
  }
  if (!isRecord(value)) throw legateError('ERR_MALFORMED', 'the token endpoint answered with a non-object', { claim: 'response' });
  return value;
}

function nonceOf(response: HttpResponse): string | undefined {
  const nonce = response.header('dpop-nonce');
  return nonce !== undefined && NONCE.test(nonce) ? nonce : undefined;
}

function rejectedOf(value: unknown): Rejected[] {
  if (!Array.isArray(value)) return [];
  const items: Rejected[] = [];
  for (const item of value.slice(0, MAX_GRANTED_CAPABILITIES)) {
    if (!isRecord(item) || typeof item.action !== 'string' || typeof item.resource !== 'string') continue;
    const scope = typeof item.scope === 'string' ? { scope: printable(item.scope, 128) } : {};
    items.push({ action: printable(item.action, 64), resource: printable(item.resource, 512), ...scope, code: isErrorCode(item.code) ? item.code : 'ERR_NOT_AUTHORIZED' });
  }
  return items;
}

/** The server's refusal as a LegateError: its Legate `code` when it sent one, else the OAuth error's; `reason` the OAuth error. */
function refusal(response: HttpResponse, body: Record<string, unknown>) {
  const error = printable(body.error, 64) || `HTTP ${response.status}`;
  const rejected = rejectedOf(body.rejected);
  const named = rejected.slice(0, MAX_NAMED_REJECTIONS).map((r) => `${formatScope(r)} ${r.code}`);
  const description = printable(body.error_description, MAX_DESCRIPTION);
  const message = `the authorization server refused the token (${error})${description === '' ? '' : `: ${description}`}${named.length === 0 ? '' : `; refused: ${named.join(', ')}`}`;
  const fallback = CODE_OF_OAUTH_ERROR[error] ?? (response.status >= 500 ? 'ERR_PEER_UNREACHABLE' : 'ERR_MALFORMED');
  return errorFromWire(body.code, message, { fallback, claim: 'token', reason: error });
}

function grantedOf(body: Record<string, unknown>, key: DpopKeyPair | undefined, asked: string): RequestedToken {
  const { access_token: accessToken, token_type: type, expires_in: expiresIn } = body;
  if (typeof accessToken !== 'string' || accessToken === '') throw legateError('ERR_MALFORMED', 'the token endpoint sent no access_token', { claim: 'access_token' });
  // RFC 6749 §7.1: the token type is case-insensitive.
  const tokenType = typeof type === 'string' ? ({ dpop: 'DPoP', bearer: 'Bearer' } as const)[type.toLowerCase() as 'dpop' | 'bearer'] : undefined;
  if (tokenType === undefined || (tokenType === 'DPoP' && key === undefined)) {
    throw legateError('ERR_MALFORMED', `the token endpoint sent an unusable token_type ${printable(type, 32)}`, { claim: 'token_type' });
  }
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0) {
    throw legateError('ERR_MALFORMED', 'the token endpoint sent no valid expires_in', { claim: 'expires_in' });
  }
  return {
    accessToken,
    tokenType,
    expiresIn,
    // RFC 6749 §5.1: no scope means the scope asked for.
    scope: typeof body.scope === 'string' ? body.scope : asked,
    authorizationDetails: Array.isArray(body.authorization_details) ? body.authorization_details : [],
    rejected: rejectedOf(body.rejected),
    // A server that answers DPoP with a Bearer token did not bind the key (RFC 9449 §5): the key is of no use then.
    ...(key === undefined || tokenType === 'Bearer' ? {} : { dpop: { jkt: key.jkt, privateJwk: privateJwkOf(key) } }),
  };
}

/**
 * Obtains an access token for one of this node's agents from the
 * authorization server `options.from`, for `options.resource`.
 * @throws LegateError `ERR_NOT_FOUND` (no such agent, or it holds no
 * credential), `ERR_INVALID_ARGUMENT` / `ERR_INVALID_SCOPE` (bad options),
 * `ERR_UNTRUSTED_ISSUER` (the metadata names another issuer), the server's
 * refusal with its code (`ERR_INVALID_TARGET`, `ERR_INVALID_SCOPE`,
 * `ERR_UNTRUSTED_ISSUER`…, the OAuth error as `reason`), and the HTTP
 * client's errors (`ERR_PEER_UNREACHABLE`, `ERR_PEER_TIMEOUT`, …).
 *
 * @example
 * ```ts
 * const token = await requestToken(node, { agent: 'alice', from: 'https://bank.example', resource: 'https://api.bank.example', scope: ['read:accounts:checking'] });
 * ```
 */
export async function requestToken(node: NodeContext, options: RequestTokenOptions): Promise<RequestedToken> {
  const issuer = issuerIdentifier(options.from, 'from');
  if (typeof options.resource !== 'string' || !URL.canParse(options.resource) || options.resource.includes('#')) {
    throw legateError('ERR_INVALID_ARGUMENT', 'resource must be an absolute URL without a fragment (RFC 8707)', { claim: 'resource' });
  }
  const agent = await getAgent(node, options.agent);
  // Scope asked for: checked first, and the credentials that contain it are presented first (an agent may hold more than one presentation carries).
  const explicit = options.scope === undefined ? undefined : requestedScope(options.scope, [], agent.did);
  const credentials = await heldCredentials(node, agent, explicit === undefined ? [] : parseScopes(explicit));
  const scope = explicit ?? requestedScope(undefined, credentials, agent.did);
  const metadata = await fetchAuthorizationServerMetadata(node.http, issuer);
  const { tokenEndpoint } = metadata;
  if (tokenEndpoint === undefined) throw legateError('ERR_MALFORMED', `${issuer}'s metadata names no token_endpoint`, { claim: 'token_endpoint' });
  const key = options.bearer === true ? undefined : generateDpopKey(dpopAlgFor(metadata.dpopAlgs));
  const signer = await agentSigner(node, agent);
  const form = (subjectToken?: string) =>
    new URLSearchParams({
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
      ...(subjectToken === undefined ? {} : { subject_token: subjectToken }),
      subject_token_type: TOKEN_TYPE_PRESENTATION,
      resource: options.resource,
      scope,
      client_id: agent.did,
    });
  const send = async (body: URLSearchParams, nonce: string | undefined) => {
    const proof = key === undefined ? undefined : await createDpopProof({ key, htm: 'POST', htu: tokenEndpoint, ...(nonce === undefined ? {} : { nonce }), clock: node.clock });
    const headers = { accept: 'application/json', ...(proof === undefined ? {} : { dpop: proof }) };
    return node.http.postForm(tokenEndpoint, body, { maxBytes: MAX_RESPONSE_BYTES, headers });
  };

  // The presentation must carry a nonce of this server: ask for one first (every answer of the endpoint carries one).
  const first = await send(form(), undefined);
  const firstBody = bodyOf(first);
  let nonce = nonceOf(first);
  // A refusal that is not about the missing nonce or presentation (a resource not served, say) is final: say so now.
  if (first.status !== 400 || !['use_dpop_nonce', 'invalid_request'].includes(String(firstBody.error))) throw refusal(first, firstBody);
  for (let attempt = 0; ; attempt++) {
    if (nonce === undefined) throw legateError('ERR_MALFORMED', 'the token endpoint sent no DPoP-Nonce to present with', { claim: 'DPoP-Nonce' });
    const presentation = await createPresentation({ signer, credentials, audience: issuer, nonce, ...(key === undefined ? {} : { jkt: key.jkt }), clock: node.clock });
    const response = await send(form(presentation), nonce);
    const body = bodyOf(response);
    if (response.status === 200) return grantedOf(body, key, scope);
    // RFC 9449 §8: the nonce went stale in between; one more try with the fresh one.
    if (attempt === 0 && body.error === 'use_dpop_nonce' && nonceOf(response) !== undefined && nonceOf(response) !== nonce) {
      nonce = nonceOf(response);
      continue;
    }
    throw refusal(response, body);
  }
}
