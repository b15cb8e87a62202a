/**
 * @module resource-server/verify
 *
 * The drop-in verifier: a service that runs no Legate node and holds no
 * Legate state accepts Legate authority as OAuth access tokens. One
 * `verify(request)` on the Fetch `Request` does, in order:
 *
 * 1. the credentials: `Authorization: DPoP <token>` (or `Bearer` where the
 *    service allows bearer tokens; a DPoP-bound token presented as Bearer
 *    is refused, RFC 9449 §7.2);
 * 2. the RFC 9068 access token: alg, typ, issuer in the allow-list before
 *    any key is fetched, its key from the issuer's JWKS (issuer-keys),
 *    signature, `aud` = this resource, times with skew;
 * 3. the DPoP proof (RFC 9449 §4.3): `htm`, `htu` (this URL without query
 *    or fragment), `iat` window, `jti` replay, `ath`, the key's thumbprint
 *    = `cnf.jkt`, and this server's nonce when configured;
 * 4. the decision: the request, mapped to a capability, against the
 *    token's `authorization_details` with every stateless constraint checked
 *    here (decide), and budgets, rate limits and approvals settled by the
 *    node's AuthZEN PDP, failing closed when it cannot be reached (pdp);
 *    or, for a route the mapping answers `AUTHENTICATED`, no capability:
 *    the verified token and proof are enough (`decidedBy: 'token'`).
 *
 * The answer is data: the claims, the capability and the attribution, or a
 * refusal ready to send (refusal). `verify` never throws for anything a
 * request carries.
 */

import { MemoryReplayCache } from '../handshake/replay-cache.js';
import { isLegateError, legateError } from '../errors/index.js';
import { assertNonEmptyString, integerOption } from '../lib/assert.js';
import { createHttpClient } from '../lib/http-client.js';
import type { DecodedJws } from '../lib/jws.js';
import { attributionOf } from '../oauth/act.js';
import { verifyAccessToken } from '../oauth/access-token.js';
import { DpopProofKeys, verifyDpopProof } from '../oauth/dpop.js';
import { protectedResourceMetadataUrl } from '../oauth/metadata.js';
import { createNonceIssuer, type NonceIssuer } from '../oauth/nonce.js';
import { decideLocally } from './decide.js';
import { issuerKeys } from './issuer-keys.js';
import { pdpClient, type PdpClient } from './pdp.js';
import { decisionRefusal, missingCredentials, refusalOf, unavailable, type ChallengeContext } from './refusal.js';
import { readBody, routeResolver } from './routes.js';
import { AUTHENTICATED, type ResourceServer, type ResourceServerOptions, type VerifyAllowed, type VerifyResult } from './types.js';

const DEFAULT_BODY_BYTES = 64 * 1024;
/** Most verified tokens kept decoded: an agent reuses its token for many requests. */
const DECODED_TOKENS = 1024;

/** A least-recently-used map of at most `max` entries (a Map keeps insertion order: a hit moves to the end). */
function boundedCache<V>(max: number): { get(key: string): V | undefined; set(key: string, value: V): void } {
  const entries = new Map<string, V>();
  return {
    get(key) {
      const value = entries.get(key);
      if (value !== undefined) {
        entries.delete(key);
        entries.set(key, value);
      }
      return value;
    },
    set(key, value) {
      entries.set(key, value);
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },
  };
}
/** RFC 7235 token68, which a JWS in compact form is. */
const CREDENTIALS = /^(DPoP|Bearer) +([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * Creates a resource server for one resource URL.
 * @throws TypeError / RangeError for invalid options.
 *
 * @example
 * ```ts
 * const rs = createResourceServer({
 *   resource: 'https://api.bank.example',
 *   issuers: ['https://acme.example'],
 *   routes: { 'POST /refunds': { action: 'call', resource: 'billing:refund' } },
 * });
 * const result = await rs.verify(request);
 * if (!result.ok) return new Response(JSON.stringify({ error: result.error }), { status: result.status, headers: result.headers });
 * ```
 */
export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  assertNonEmptyString(options.resource, 'resource');
  const listed: unknown = options.issuers;
  if (!Array.isArray(listed) || listed.some((iss) => typeof iss !== 'string' || iss.length === 0)) {
    throw new TypeError('issuers must be a list of issuer URLs');
  }
  const issuers = (listed as string[]).slice();
  const resolve = routeResolver(options.routes);
  const clock = options.clock;
  const dpopRequired = options.dpop?.required !== false;
  const skewSeconds = integerOption(options.skewSeconds, 60, 'skewSeconds', true);
  const maxAgeSeconds = integerOption(options.dpopMaxAgeSeconds, 120, 'dpopMaxAgeSeconds');
  const readsBody = options.body !== undefined && options.body !== false;
  const maxBodyBytes = integerOption(typeof options.body === 'object' ? options.body.maxBytes : undefined, DEFAULT_BODY_BYTES, 'body.maxBytes');
  const publicOrigin = options.publicOrigin === undefined ? undefined : new URL(options.publicOrigin).origin;
  const replay = options.replay ?? new MemoryReplayCache({ maxEntries: 100_000, ...(clock === undefined ? {} : { clock }) });
  // The proof keys this resource server has imported (its clients sign every proof with the same key).
  const proofKeys = new DpopProofKeys();
  const resourceMetadata = options.resourceMetadata ?? protectedResourceMetadataUrl(options.resource);
  const nonceOptions = options.dpop?.nonce;
  const nonces: NonceIssuer | undefined =
    nonceOptions === undefined ? undefined : createNonceIssuer({ key: nonceOptions.key, lifetimeSeconds: nonceOptions.lifetimeSeconds ?? 300, ...(clock === undefined ? {} : { clock }) });
  const http = createHttpClient({
    allowHttpLoopback: options.allowHttpLoopback === true,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(clock === undefined ? {} : { clock }),
  });
  const key = issuerKeys({
    issuers,
    http,
    clock,
    cooldownMs: integerOption(options.jwksCooldownMs, 30_000, 'jwksCooldownMs', true),
    ttlMs: integerOption(options.jwksTtlMs, 600_000, 'jwksTtlMs'),
  });
  const decoded = boundedCache<DecodedJws>(DECODED_TOKENS);
  const pdp: PdpClient | undefined = options.pdp === undefined ? undefined : pdpClient(options.pdp, http, clock);
  const context = (scheme: ChallengeContext['scheme']): ChallengeContext => ({ scheme, resourceMetadata, nonces });

  async function verify(request: Request): Promise<VerifyResult> {
    let scheme: ChallengeContext['scheme'] = dpopRequired ? 'DPoP' : 'any';
    try {
      const authorization = request.headers.get('authorization');
      if (authorization === null || !/^(DPoP|Bearer)\b/i.test(authorization)) return missingCredentials(context(scheme));
      const match = CREDENTIALS.exec(authorization);
      const presented = match?.[1]?.toLowerCase() === 'bearer' ? 'Bearer' : 'DPoP';
      if (!dpopRequired) scheme = presented;
      if (match === null) throw legateError('ERR_TOKEN_INVALID', 'the Authorization header is malformed', { claim: 'authorization', reason: 'malformed' });
      const token = match[2]!;
      if (presented === 'Bearer' && dpopRequired) {
        throw legateError('ERR_TOKEN_INVALID', 'this resource needs a DPoP-bound token presented with the DPoP scheme', { claim: 'authorization', reason: 'scheme' });
      }
      // One parse of the request URL serves the proof's htu and the route mapping.
      const url = new URL(request.url);
      const claims = await verifyAccessToken(token, { issuers, audience: options.resource, key, clock, skewSeconds, decoded });
      const jkt = claims.cnf?.jkt;
      let proofJti: string | undefined;
      if (presented === 'DPoP') {
        if (jkt === undefined) throw legateError('ERR_TOKEN_INVALID', 'the token is not DPoP-bound (no cnf.jkt)', { claim: 'cnf', reason: 'cnf' });
        // verifyDpopProof normalizes htu (RFC 9449 §4.3: no query, no fragment) once; no need to do it here too.
        ({ jti: proofJti } = await verifyDpopProof(request.headers.get('dpop') ?? undefined, {
          htm: request.method,
          htu: publicOrigin === undefined ? request.url : `${publicOrigin}${url.pathname}`,
          accessToken: token,
          expectedJkt: jkt,
          ...(nonces === undefined ? {} : { nonce: (n: string | undefined) => nonces.check(n) }),
          maxAgeSeconds,
          skewSeconds,
          keys: proofKeys,
          clock,
          replay,
        }));
      } else if (jkt !== undefined) {
        // RFC 9449 §7.2: a sender-constrained token presented as Bearer would be usable by whoever stole it.
        throw legateError('ERR_TOKEN_INVALID', 'a DPoP-bound token must be presented with the DPoP scheme and a proof', { claim: 'cnf', reason: 'scheme' });
      }
      return await decide(request, url, { token, proofJti }, claims, context(scheme));
    } catch (error) {
      return refusalOf(error, context(scheme));
    }
  }

  async function decide(
    request: Request,
    url: URL,
    { token, proofJti }: { token: string; proofJti: string | undefined },
    claims: VerifyAllowed['claims'],
    challenge: ChallengeContext,
  ): Promise<VerifyResult> {
    const body = readsBody ? await readBody(request, maxBodyBytes) : undefined;
    let target;
    try {
      target = await resolve({ method: request.method.toUpperCase(), path: url.pathname, params: {}, query: url.searchParams, ...(readsBody ? { body } : {}) });
    } catch (error) {
      // The mapping is the service's own code: its failure is a server error, never the client's fault nor an allow.
      if (isLegateError(error, 'ERR_INVALID_ARGUMENT') || !isLegateError(error)) {
        throw legateError('ERR_INTERNAL', 'the route mapping failed', { cause: error });
      }
      throw error;
    }
    if (target === undefined) {
      return decisionRefusal({ code: 'ERR_NOT_AUTHORIZED', message: 'no capability is mapped to this route' }, undefined, challenge);
    }
    // What every allow carries, made once the request is allowed (a fresh nonce, after any PDP round trip).
    const allowed = () => ({
      ok: true as const,
      claims,
      attribution: attributionOf(claims),
      headers: nonces === undefined ? {} : { 'DPoP-Nonce': nonces.issue() },
      ...(readsBody ? { body } : {}),
    });
    // The token and its proof verified above: for this route they are all it takes.
    if (target === AUTHENTICATED) return { ...allowed(), target, decidedBy: 'token' };
    const local = decideLocally(claims.authorization_details, target, { pdp: pdp !== undefined, clock });
    if (local.outcome === 'deny') return decisionRefusal(local.reasons[0]!, target, challenge);
    if (local.outcome === 'pdp') {
      let answer;
      try {
        answer = await pdp!({ issuer: claims.iss, agent: claims.client_id, token, target, proofJti });
      } catch (error) {
        return unavailable(error);
      }
      if (!answer.decision) return decisionRefusal(answer, target, challenge);
    }
    return { ...allowed(), capability: local.detail, target, decidedBy: local.outcome === 'pdp' ? 'pdp' : 'local' };
  }

  return {
    resource: options.resource,
    resourceMetadata,
    readsBody,
    maxBodyBytes,
    publicOrigin,
    verify,
    close: () => http.close(),
  };
}
