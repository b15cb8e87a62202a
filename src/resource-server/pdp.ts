/**
 * @module resource-server/pdp
 *
 * Asks the node that issued a token to decide what this service cannot:
 * budgets, rate limits and approvals, whose counts are shared by every
 * resource server that trusts the node (so a budget is never exceeded across
 * them). The question is an OpenID AuthZEN 1.0 Access Evaluation: the
 * subject is the agent with its access token, the action and resource the
 * mapped request, the context its amount and a `request_id` (the node
 * records usage idempotently per id) derived from the DPoP proof's `jti`
 * and the token, so the same proof retried (at another instance of the
 * service, or after a lost answer) is counted once; random for a Bearer
 * presentation, which has no proof to name the request. The service authenticates with an
 * RFC 7523 client assertion as `Authorization: Bearer`. The endpoint is the
 * one given, or the one the issuer's `/.well-known/authzen-configuration`
 * names. Anything but a well-formed answer throws, and the caller fails
 * closed: a decision that needs the node is never allowed without it.
 */

import { createHash, randomUUID } from 'node:crypto';
import { isErrorCode, legateError, type ErrorCode } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { decodeBase64url, encodeBase64url } from '../lib/base64url.js';
import type { Clock } from '../lib/clock.js';
import { privateKeyObject, signEd25519 } from '../lib/ed25519.js';
import type { HttpClient } from '../lib/http-client.js';
import { parseJson } from '../lib/json.js';
import type { Signer } from '../lib/signer.js';
import { createClientAssertion } from '../oauth/client-assertion.js';
import type { Ed25519PrivateJwk, PdpOptions, RouteTarget } from './types.js';

/** Largest PDP answer or configuration read, in bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 5000;

/** The node's answer: allowed, or refused with the code of its first reason. */
export type PdpAnswer = { decision: true } | { decision: false; code: ErrorCode; message: string };

/** One evaluation: the token's issuer and agent, the token itself, and the mapped request. */
export interface PdpQuestion {
  issuer: string;
  agent: string;
  token: string;
  target: RouteTarget;
  /** The `jti` of the request's DPoP proof (unique per request for this token); absent for a Bearer presentation. */
  proofJti?: string | undefined;
}

/**
 * The AuthZEN `request_id` of an evaluation: for a DPoP presentation, a hash of the proof's `jti` and the
 * token (a proof is unique per request, and the token makes it unique across clients), so a retry of the
 * same request carries the same id; random without a proof.
 */
export function pdpRequestId(token: string, proofJti: string | undefined): string {
  if (proofJti === undefined) return randomUUID();
  return `dpop:${encodeBase64url(createHash('sha256').update(`${proofJti}\n${token}`).digest())}`;
}

export type PdpClient = (question: PdpQuestion) => Promise<PdpAnswer>;

/**
 * The AuthZEN configuration URL of a PDP identified by `issuer` (the
 * well-known segment inserted before the path, as RFC 8414 does).
 */
export function authzenConfigurationUrl(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/authzen-configuration${path}`;
}

/**
 * A client of the node's AuthZEN evaluation endpoint.
 * @throws TypeError for a client with neither a signer nor an Ed25519 private JWK.
 */
export function pdpClient(options: PdpOptions, http: HttpClient, clock: Clock | undefined): PdpClient {
  const signer = signerOf(options.client);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const endpoints = new Map<string, string>();

  const endpointOf = async (issuer: string): Promise<string> => {
    if (options.endpoint !== undefined) return options.endpoint;
    const known = endpoints.get(issuer);
    if (known !== undefined) return known;
    const response = await http.get(authzenConfigurationUrl(issuer), { accept: 'application/json', maxBytes: MAX_ANSWER_BYTES, timeoutMs });
    const config = response.status === 200 ? answerOf(response.body, 'authzen configuration') : undefined;
    const endpoint = isRecord(config) ? config.access_evaluation_endpoint : undefined;
    if (typeof endpoint !== 'string') {
      throw legateError('ERR_PEER_UNREACHABLE', `${issuer} names no AuthZEN evaluation endpoint (status ${response.status})`, { reason: 'pdp-discovery' });
    }
    endpoints.set(issuer, endpoint);
    return endpoint;
  };

  return async ({ issuer, agent, token, target, proofJti }) => {
    const endpoint = await endpointOf(issuer);
    const assertion = await createClientAssertion({ signer, clientId: options.client.did, audience: issuer, clock });
    const body = {
      subject: { type: 'agent', id: agent, properties: { token } },
      action: { name: target.action },
      resource: { type: 'legate', id: target.resource, ...(target.scope === undefined ? {} : { properties: { scope: target.scope } }) },
      context: {
        request_id: pdpRequestId(token, proofJti),
        ...(target.amount === undefined ? {} : { amount: { value: String(target.amount.value), currency: target.amount.currency } }),
      },
    };
    const response = await http.postJson(endpoint, JSON.stringify(body), {
      maxBytes: MAX_ANSWER_BYTES,
      timeoutMs,
      headers: { authorization: `Bearer ${assertion}`, accept: 'application/json' },
    });
    const answer = answerOf(response.body, 'AuthZEN answer', response.status);
    if (response.status !== 200 || !isRecord(answer) || typeof answer.decision !== 'boolean') {
      const code = isRecord(answer) && typeof answer.code === 'string' ? ` (${answer.code})` : '';
      throw legateError('ERR_PEER_UNREACHABLE', `the PDP answered ${response.status}${code}`, { reason: 'pdp-status' });
    }
    if (answer.decision) return { decision: true };
    return denial(answer.context);
  };
}

/** The refusal the node gave: its first reason's code, `ERR_APPROVAL_REQUIRED` for `approval_required`. */
function denial(context: unknown): PdpAnswer {
  const reasons = isRecord(context) && Array.isArray(context.reasons) ? context.reasons : [];
  const first: unknown = reasons[0];
  if (isRecord(first) && isErrorCode(first.code)) {
    return { decision: false, code: first.code, message: typeof first.message === 'string' ? first.message.slice(0, 512) : 'refused by the node' };
  }
  const approval = isRecord(context) && context.decision === 'approval_required';
  return approval
    ? { decision: false, code: 'ERR_APPROVAL_REQUIRED', message: 'a human approval of this action is required' }
    : { decision: false, code: 'ERR_NOT_AUTHORIZED', message: 'refused by the node' };
}

function answerOf(body: Uint8Array, what: string, status = 200): unknown {
  try {
    return parseJson(new TextDecoder().decode(body), what, { maxLength: MAX_ANSWER_BYTES, maxDepth: 16 });
  } catch (cause) {
    throw legateError('ERR_PEER_UNREACHABLE', `the PDP's ${what} (status ${status}) is not JSON`, { reason: 'pdp-malformed', cause });
  }
}

function signerOf(client: PdpOptions['client']): Signer {
  if ('signer' in client) return client.signer;
  const jwk: Ed25519PrivateJwk = client.privateJwk;
  const secret = typeof jwk.d === 'string' ? decodeBase64url(jwk.d) : undefined;
  const publicKey = typeof jwk.x === 'string' ? decodeBase64url(jwk.x) : undefined;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || secret?.length !== 32 || publicKey?.length !== 32) {
    throw new TypeError('pdp.client.privateJwk must be an Ed25519 private JWK (kty OKP, crv Ed25519, x, d)');
  }
  const kid = jwk.kid ?? (client.did.startsWith('did:key:') ? `${client.did}#${client.did.slice('did:key:'.length)}` : undefined);
  if (kid === undefined) throw new TypeError('pdp.client.privateJwk needs a kid (the DID URL of the key) unless the DID is a did:key');
  const key = privateKeyObject(secret, publicKey);
  return { alg: 'EdDSA', kid, publicKey, sign: (data) => Promise.resolve(signEd25519(key, data)) };
}
