/**
 * @module node/oauth/token-endpoint
 *
 * `POST /oauth/token`: RFC 8693 token exchange (#15 item 2). An agent (a
 * public client, `client_id` = its DID) presents its authority — a `vp+jwt`
 * addressed to this issuer URL and answering one of its nonces, or a session
 * token this node issued — with a DPoP proof (RFC 9449), and receives an
 * RFC 9068 access token for one resource: what it asked for ∩ what its
 * verified chains allow ∩ what this organization trusts, decided by the ACE
 * engine. Every answer carries a fresh `DPoP-Nonce` and `Cache-Control:
 * no-store` (RFC 6749 §5.1); refusals take the RFC 6749 §5.2 form with the
 * Legate code.
 *
 * Order of checks: the form, then the DPoP proof (one signature, nothing
 * fetched), then what the tokens claim (client, nonce, key binding), then
 * the presentation through the node's verifier (trust before fetch, one
 * work budget per request). Nothing is stored for a request that earns no
 * token: the single-use claims on the proof and the presentation's nonce,
 * the chains behind the token (for introspection: a session row keyed by a
 * hash of them, the token's `legate_chains`, written only for the first
 * token on those chains and once an hour after) and the audit line commit
 * together, when it is issued.
 */

import { legateError, LegateError, type ErrorCode } from '../../errors/index.js';
import { mostRelevant } from '../../handshake/evaluate.js';
import { forPeer, isNetworkDerived } from '../../lib/peer-error.js';
import { REASON_CODE, traced } from '../../lib/trace.js';
import { issueAccessToken } from '../../oauth/access-token.js';
import { attributionOf, principalAndActors } from '../../oauth/act.js';
import { verifyDpopProof, type DpopProof } from '../../oauth/dpop.js';
import { tokenEndpointError, type RejectedCapability } from '../../oauth/errors.js';
import type { NonceIssuer } from '../../oauth/nonce.js';
import { TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_SESSION } from '../../oauth/types.js';
import type { Signer } from '../../keys/signer.js';
import { audit, auditRefusal, auditUnauthenticated } from '../audit.js';
import { inTransaction, type NodeContext } from '../context.js';
import { organizationSigner } from '../signers.js';
import { verificationOptions } from '../verify.js';
import { issuerOf, tokenEndpointUrl } from './metadata.js';
import { nonceIssuerOf } from './nonce-key.js';
import { chainsId, grantOf, type Refusal } from './token-grant.js';
import { parseTokenRequest, type TokenRequest } from './token-request.js';
import { claimedClient, provePresentation, proveSession, type TokenMemo } from './token-subject.js';
import type { EndpointResponse, TokenEndpointRequest } from './types.js';

/** What the audit line of a refusal can say: what the request claimed, as far as it was read. */
interface Seen {
  agent?: string | undefined;
  resource?: string;
  rejected?: Refusal[];
  /** True once the presented authority verified: a refusal is then a decision about a known party. */
  authenticated?: boolean;
}

const ACTION = 'token-exchange';

/** Codes that say the node could not decide for now (status or trust lists out of reach): a retry may succeed. */
const TRANSIENT = new Set(['ERR_STATUS_UNAVAILABLE', 'ERR_TRUST_LIST_UNAVAILABLE', 'ERR_PEER_UNREACHABLE', 'ERR_PEER_TIMEOUT']);

/**
 * Codes that say the presented credentials themselves do not hold, whatever was asked: `invalid_grant`, not
 * `invalid_scope`. Trust is not among them: this organization trusts an issuer per capability, so an
 * untrusted one is a refusal of what was asked (`invalid_scope`, `ERR_UNTRUSTED_ISSUER` in `rejected`).
 */
const WITHDRAWN = new Set([
  'ERR_REVOKED',
  'ERR_SUSPENDED',
  'ERR_EXPIRED',
  'ERR_NOT_YET_VALID',
  'ERR_CHAIN_INVALID',
  'ERR_DELEGATION_DEPTH',
  'ERR_HOLDER_BINDING',
  'ERR_SIGNATURE_INVALID',
  'ERR_KID_INVALID',
  'ERR_ALG_NOT_ALLOWED',
  'ERR_DID_UNRESOLVABLE',
  'ERR_DID_DEACTIVATED',
]);

/** The rejected items as the response lists them: codes, no free text. Every code here is this node's own. */
const listed = (rejected: readonly Refusal[]) => rejected.map(({ reason: _reason, ...item }) => item as RejectedCapability);

/**
 * The DPoP proof of the request (RFC 9449 §4.3), or undefined for a Bearer
 * request where `oauth.requireDpop` is false. Its `jti` is claimed only
 * when a token is issued.
 */
async function proofOf(node: NodeContext, header: string | undefined, request: TokenRequest, nonces: NonceIssuer): Promise<DpopProof | undefined> {
  if (header === undefined && !node.oauth.requireDpop && request.subjectTokenType !== TOKEN_TYPE_SESSION) return undefined;
  return verifyDpopProof(header, {
    htm: 'POST',
    htu: tokenEndpointUrl(node),
    nonce: (nonce) => nonces.check(nonce),
    maxAgeSeconds: node.oauth.dpopMaxAgeSeconds,
    skewSeconds: node.oauth.clockSkewSeconds,
    clock: node.clock,
    keys: node.dpopKeys,
  });
}

/** `nonces`, each nonce checked once per request (the DPoP proof and the presentation usually answer the same one). */
function checkedOnce(nonces: NonceIssuer): NonceIssuer {
  const checked = new Map<string, ReturnType<NonceIssuer['check']>>();
  return {
    issue: () => nonces.issue(),
    check: (nonce) => {
      if (nonce === undefined) return nonces.check(nonce);
      let state = checked.get(nonce);
      if (state === undefined) checked.set(nonce, (state = nonces.check(nonce)));
      return state;
    },
  };
}

async function exchange(node: NodeContext, input: TokenEndpointRequest, keys: { nonces: NonceIssuer; signer: Signer }, seen: Seen): Promise<EndpointResponse> {
  const { signer } = keys;
  const nonces = checkedOnce(keys.nonces);
  if (input.refused !== undefined) throw input.refused;
  const request = parseTokenRequest(input.form, node.oauth.resources);
  seen.resource = request.target;
  const decoded: TokenMemo = new Map();
  seen.agent = claimedClient(request, decoded);
  const proof = await proofOf(node, input.dpop, request, nonces);
  const context = { node, issuer: issuerOf(node), nonces, options: verificationOptions(node), clientId: request.clientId, decoded };
  const proven =
    request.subjectTokenType === TOKEN_TYPE_SESSION
      ? await proveSession(context, request.subjectToken, request.requested, proof?.jkt)
      : await provePresentation(context, request, proof?.jkt);
  seen.agent = proven.client;
  seen.authenticated = true;
  const now = node.clock().getTime();
  const grant = grantOf(proven.perRequest, proven.rejected, { now, organization: node.organization.did, target: request.target });
  seen.rejected = grant.rejected;
  if (grant.line === undefined || grant.details.length === 0) {
    // Refused only for want of status or trust information: temporarily_unavailable (503), so the client retries.
    const transient = grant.rejected.every((r) => TRANSIENT.has(r.code)) ? grant.rejected[0] : undefined;
    if (transient !== undefined) {
      throw legateError(transient.code as 'ERR_STATUS_UNAVAILABLE', 'the status or trust information this grant needs is out of reach for now: try again', { reason: 'nothing-granted' });
    }
    // Every item refused because the presented authority does not hold here (revoked, untrusted, expired…):
    // the grant itself is bad (invalid_grant), with the most telling code. Otherwise the request asked for
    // more than the authority gives (invalid_scope), and `rejected` says what.
    const withdrawn = grant.rejected.every((r) => WITHDRAWN.has(r.code)) ? mostRelevant(grant.rejected.map((r) => legateError(r.code as ErrorCode, r.code))) : undefined;
    if (withdrawn !== undefined) throw legateError(withdrawn.code, 'the presented authority does not hold here: see rejected', { reason: 'nothing-granted' });
    const code = request.detailsOnly ? 'ERR_INVALID_AUTHORIZATION_DETAILS' : 'ERR_INVALID_SCOPE';
    throw legateError(code, 'nothing asked for can be granted: see rejected', { claim: request.detailsOnly ? 'authorization_details' : 'scope', reason: 'nothing-granted' });
  }
  const { sub, act } = principalAndActors(grant.line.attribution);
  // Never past the chain's end, nor past the session a session subject rests on.
  const end = Math.min(grant.end, proven.notAfter ?? Number.POSITIVE_INFINITY);
  // Where the chains behind the token are kept, and what the token names for them (its legate_chains).
  const kept = chainsId(grant.chains);
  const { token, claims } = await issueAccessToken({
    signer,
    issuer: context.issuer,
    audience: request.target,
    clientId: proven.client,
    sub,
    act,
    authorizationDetails: grant.details,
    ...(proof === undefined ? {} : { jkt: proof.jkt }),
    lifetimeSeconds: node.oauth.accessTokenLifetimeSeconds,
    ...(Number.isFinite(end) ? { notAfter: new Date(end) } : {}),
    chains: kept,
    clock: node.clock,
  });
  const expiresAt = new Date(claims.exp * 1000).toISOString();
  await inTransaction(node, async (tx) => {
    // Single use, claimed with the token: the DPoP proof (until it is stale) and each presentation's nonce.
    const dpopKeys = proof === undefined ? [] : [`oauth:dpop:${proof.jkt}:${proof.jti}`];
    const until = Math.max(proven.replayUntil, proof === undefined ? 0 : (proof.iat + node.oauth.dpopMaxAgeSeconds + 2 * node.oauth.clockSkewSeconds) * 1000);
    // One statement for them all: the transaction rolls back if any was claimed before.
    const replayed = await tx.store.claimEach([...dpopKeys, ...proven.replayKeys], new Date(until).toISOString(), tx.clock().toISOString());
    if (replayed !== -1 && replayed < dpopKeys.length) {
      throw legateError('ERR_DPOP_INVALID', 'this DPoP proof was already used', { claim: 'jti', reason: 'replay' });
    }
    if (replayed !== -1) throw legateError('ERR_REPLAY', 'this presentation (its nonce) was already used', { claim: 'nonce' });
    await tx.store.keepSession({ id: kept, chains: grant.chains, expiresAt });
    await audit(tx, {
      type: 'token',
      decision: 'allow',
      action: ACTION,
      resource: request.target,
      agent: proven.client,
      owner: sub,
      chain: attributionOf(claims),
      session: claims.jti,
      credentials: [...new Set(grant.details.map((d) => d.credential!))].slice(0, 32),
      reasons: [...new Set(grant.rejected.map((r) => r.code))].slice(0, 32),
      details: { scope: claims.scope.slice(0, 2048), tokenType: proof === undefined ? 'Bearer' : 'DPoP', rejected: listed(grant.rejected).slice(0, 32) },
    });
  });
  return {
    status: 200,
    body: {
      access_token: token,
      issued_token_type: TOKEN_TYPE_ACCESS_TOKEN,
      token_type: proof === undefined ? 'Bearer' : 'DPoP',
      expires_in: claims.exp - claims.iat,
      scope: claims.scope,
      authorization_details: claims.authorization_details,
      ...(grant.rejected.length === 0 ? {} : { rejected: listed(grant.rejected) }),
    },
  };
}

/** Logs a refusal: a verified party's empty grant as a decision, anything else as a stranger's refusal (rate-limited). */
async function auditRefused(node: NodeContext, seen: Seen, error: unknown): Promise<void> {
  const detail = isNetworkDerived(error) ? { details: { cause: (error as Error).message.slice(0, 256) } } : {};
  if (seen.authenticated === true && seen.rejected !== undefined && error instanceof LegateError && error.reason === 'nothing-granted') {
    await auditUnauthenticated(node, {
      type: 'token',
      decision: 'deny',
      action: ACTION,
      agent: seen.agent,
      resource: seen.resource,
      reasons: [...new Set(seen.rejected.map((r) => r.code))].slice(0, 32),
      details: { rejected: listed(seen.rejected).slice(0, 32) },
    });
    return;
  }
  await auditRefusal(node, { type: 'token', action: ACTION, agent: seen.agent, resource: seen.resource, ...detail }, error);
}

/**
 * Answers one token exchange request; never throws.
 *
 * @example
 * ```ts
 * const { status, body, headers } = await tokenEndpoint(node, { form: new URLSearchParams(text), dpop: c.req.header('DPoP') });
 * ```
 */
export function tokenEndpoint(node: NodeContext, request: TokenEndpointRequest): Promise<EndpointResponse> {
  return traced('legate.token_exchange', {}, async (span) => {
    const seen: Seen = {};
    const response = await answer(node, request, seen);
    const code = (response.body as { code?: unknown }).code;
    span.set({ 'legate.agent': seen.agent, 'legate.decision': response.status === 200 ? 'issued' : 'refused', [REASON_CODE]: response.status === 200 ? undefined : code });
    return response;
  });
}

async function answer(node: NodeContext, request: TokenEndpointRequest, seen: Seen): Promise<EndpointResponse> {
  let nonces: NonceIssuer | undefined;
  let response: EndpointResponse;
  try {
    // The organization's keys are read once: the newest signs the token and keys the nonces.
    const signer = await organizationSigner(node);
    nonces = await nonceIssuerOf(node, signer);
    response = await exchange(node, request, { nonces, signer }, seen);
  } catch (error) {
    await auditRefused(node, seen, error);
    const emptyGrant = error instanceof LegateError && error.reason === 'nothing-granted' && seen.rejected !== undefined;
    const rejected = emptyGrant ? listed(seen.rejected!) : undefined;
    const { status, body } = tokenEndpointError(forPeer(error), rejected);
    response = { status, body };
  }
  return {
    ...response,
    headers: {
      ...response.headers,
      ...(nonces === undefined ? {} : { 'DPoP-Nonce': nonces.issue() }),
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
    },
  };
}
