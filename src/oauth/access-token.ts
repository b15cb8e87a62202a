/**
 * @module oauth/access-token
 *
 * The node's access tokens: RFC 9068 JWTs (`typ: at+jwt`), signed EdDSA by
 * the organization's key, `kid` its DID URL. Verification is the resource
 * server's view (RFC 9068 §4, RFC 8725): bounded size, only EdDSA (so `none`,
 * HMAC with the public key as secret and RSA are refused before any key is
 * looked at), the explicit `typ`, the issuer checked against an allow-list
 * BEFORE its key is fetched (a stranger's token never makes the verifier
 * fetch), then the key by `kid`, the signature, the audience, the time
 * claims with skew, and last the claims' shapes.
 */

import { randomUUID } from 'node:crypto';
import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { epochSeconds, systemClock, type Clock } from '../lib/clock.js';
import { verifyEd25519 } from '../lib/ed25519.js';
import { decodeCompactJws, detachedDecoding, signCompactJws, type DecodedJws, type JwsHeader } from '../lib/jws.js';
import type { Signer } from '../lib/signer.js';
import { MAX_ACT_DEPTH } from './act.js';
import { capabilityFieldError, scopeString } from './scope.js';
import { deepFrozen } from '../lib/freeze.js';
import {
  ACCESS_TOKEN_TYP,
  AUTHORIZATION_DETAILS_TYPE,
  MAX_ACCESS_TOKEN_LENGTH,
  MAX_GRANTED_CAPABILITIES,
  type AccessTokenClaims,
  type ActClaim,
  type LegateAuthorizationDetail,
} from './types.js';

/** What {@link issueAccessToken} needs. */
export interface IssueAccessTokenOptions {
  /** The organization's newest key: the token's `kid` is its DID URL. */
  signer: Signer;
  /** The authorization server's issuer URL. */
  issuer: string;
  /** The one resource the token is for. */
  audience: string;
  /** The agent holding the token (its DID). */
  clientId: string;
  /** The accountable human owner. */
  sub: string;
  /** The current actor, prior actors nested; `act.sub` must be `clientId`. */
  act: ActClaim;
  authorizationDetails: readonly LegateAuthorizationDetail[];
  /** The DPoP key thumbprint (`cnf.jkt`); absent only for a Bearer token. */
  jkt?: string | undefined;
  lifetimeSeconds: number;
  /** The token never outlives this (the earliest `validUntil` of its chains). */
  notAfter?: Date | undefined;
  clock?: Clock | undefined;
  /** The `jti`; default a fresh `urn:uuid:`. */
  id?: string | undefined;
  /** `legate_chains`: where the issuing node keeps the chains behind the token (at most 128 characters). */
  chains?: string | undefined;
}

/**
 * Issues an access token.
 * @throws InputError `ERR_INVALID_ARGUMENT` for no audience, no capability, an `act` not headed by the client,
 * a non-positive lifetime or a `notAfter` already past.
 *
 * @example
 * ```ts
 * const { token, claims } = await issueAccessToken({ signer, issuer, audience: 'https://api.bank.example/',
 *   clientId: agentDid, ...principalAndActors(chain.attribution), authorizationDetails, jkt, lifetimeSeconds: 300 });
 * ```
 */
export async function issueAccessToken(options: IssueAccessTokenOptions): Promise<{ token: string; claims: AccessTokenClaims }> {
  const { signer, issuer, audience, clientId, sub, act, authorizationDetails, jkt, lifetimeSeconds, notAfter } = options;
  const bad = (message: string, claim: string) => legateError('ERR_INVALID_ARGUMENT', message, { claim });
  if (typeof audience !== 'string' || audience === '') throw bad('an access token needs an audience', 'audience');
  if (typeof issuer !== 'string' || issuer === '') throw bad('an access token needs an issuer', 'issuer');
  if (authorizationDetails.length === 0 || authorizationDetails.length > MAX_GRANTED_CAPABILITIES) {
    throw bad(`an access token carries 1 to ${MAX_GRANTED_CAPABILITIES} capabilities`, 'authorizationDetails');
  }
  if (act.sub !== clientId) throw bad('the outermost act must be the client', 'act');
  if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds <= 0) throw bad('lifetimeSeconds must be a positive integer', 'lifetimeSeconds');
  if (options.chains !== undefined && !isChainsId(options.chains)) throw bad('chains must be 1 to 128 characters', 'chains');
  const iat = epochSeconds((options.clock ?? systemClock)());
  const exp = Math.min(iat + lifetimeSeconds, notAfter === undefined ? Infinity : epochSeconds(notAfter));
  if (exp <= iat) throw bad('the token would already be expired (notAfter is past)', 'notAfter');
  const claims: AccessTokenClaims = {
    iss: issuer,
    sub,
    aud: audience,
    client_id: clientId,
    jti: options.id ?? `urn:uuid:${randomUUID()}`,
    iat,
    exp,
    scope: scopeString(authorizationDetails),
    authorization_details: [...authorizationDetails],
    act,
    ...(jkt === undefined ? {} : { cnf: { jkt } }),
    ...(options.chains === undefined ? {} : { legate_chains: options.chains }),
  };
  const token = await signCompactJws(claims as unknown as Record<string, unknown>, signer, { typ: ACCESS_TOKEN_TYP });
  return { token, claims };
}

/** What {@link verifyAccessToken} checks a token against. */
export interface VerifyAccessTokenOptions {
  /** The issuers trusted here (exact URLs). */
  issuers: readonly string[];
  /** This resource: the token's `aud` must be it. */
  audience: string;
  /** The issuer's Ed25519 key for `kid` (from its JWKS), or undefined when it has none, directly or as a promise. Called only for a trusted `iss`. */
  key: (iss: string, kid: string) => Promise<Uint8Array | undefined> | Uint8Array | undefined;
  clock?: Clock | undefined;
  /** Clock skew tolerated, in seconds; default 60. */
  skewSeconds?: number | undefined;
  /** Longest token read, in characters; default {@link MAX_ACCESS_TOKEN_LENGTH}. */
  maxLength?: number | undefined;
  /**
   * Tokens already decoded and shape-checked by this verifier (its own bounded cache): a token seen before
   * skips decoding and the claim shape checks; its header, issuer, key, signature, audience and times are
   * still checked on every use. Only fully verified tokens are stored, frozen.
   */
  decoded?: DecodedTokenCache | undefined;
}

/** Where a verifier keeps the tokens it has decoded and verified, keyed by the token text. */
export interface DecodedTokenCache {
  get(token: string): DecodedJws | undefined;
  set(token: string, decoded: DecodedJws): void;
}

const tokenInvalid = (message: string, reason: string, claim = reason) => legateError('ERR_TOKEN_INVALID', message, { claim, reason });

/** `typ` values RFC 9068 §4 accepts. */
const ACCESS_TOKEN_TYPS = new Set([ACCESS_TOKEN_TYP, `application/${ACCESS_TOKEN_TYP}`]);

/**
 * Verifies an access token and returns its claims.
 * @throws InputError `ERR_INPUT_TOO_LARGE` over `maxLength`; VerificationError `ERR_TOKEN_INVALID` (reason
 * `malformed`, `typ`, `kid`, or the claim whose shape is wrong), `ERR_ALG_NOT_ALLOWED`, `ERR_UNTRUSTED_ISSUER`,
 * `ERR_SIGNATURE_INVALID`, `ERR_AUDIENCE`; TimeError `ERR_EXPIRED`, `ERR_NOT_YET_VALID`.
 *
 * @example
 * ```ts
 * const claims = await verifyAccessToken(token, { issuers: ['https://acme.example'], audience: 'https://api.bank.example/',
 *   key: (iss, kid) => jwks.key(iss, kid) });
 * ```
 */
export async function verifyAccessToken(token: string, options: VerifyAccessTokenOptions): Promise<AccessTokenClaims> {
  const maxLength = options.maxLength ?? MAX_ACCESS_TOKEN_LENGTH;
  if (typeof token !== 'string' || token === '') throw tokenInvalid('an access token is required', 'missing', 'token');
  if (token.length > maxLength) throw legateError('ERR_INPUT_TOO_LARGE', `an access token is at most ${maxLength} characters`, { claim: 'token' });
  let decoded = options.decoded?.get(token);
  const seen = decoded !== undefined;
  if (decoded === undefined) {
    try {
      decoded = decodeCompactJws(token, maxLength);
    } catch (cause) {
      throw legateError('ERR_TOKEN_INVALID', 'the access token is not a well-formed JWT', { claim: 'token', reason: 'malformed', cause });
    }
  }
  const { header, payload } = decoded;
  if (header.alg !== 'EdDSA') throw legateError('ERR_ALG_NOT_ALLOWED', `only EdDSA access tokens are accepted, not ${header.alg.slice(0, 32)}`, { claim: 'alg' });
  if (typeof header.typ !== 'string' || !ACCESS_TOKEN_TYPS.has(header.typ.toLowerCase())) {
    throw tokenInvalid(`the token typ must be ${ACCESS_TOKEN_TYP}`, 'typ');
  }
  if (header.crit !== undefined) throw tokenInvalid('header crit is not supported', 'crit');
  const { iss } = payload;
  if (typeof iss !== 'string' || !options.issuers.includes(iss)) {
    throw legateError('ERR_UNTRUSTED_ISSUER', 'the access token issuer is not trusted here', { claim: 'iss' });
  }
  if (typeof header.kid !== 'string' || header.kid === '') throw tokenInvalid('the access token names no key', 'kid');
  const found = options.key(iss, header.kid);
  // A lookup that answers from its cache synchronously costs no extra turn of the microtask queue.
  const publicKey = found instanceof Uint8Array || found === undefined ? found : await found;
  if (publicKey === undefined) throw tokenInvalid('the access token key is not a key of its issuer', 'kid');
  if (!verifyEd25519(publicKey, decoded.signingInput, decoded.signature)) {
    throw legateError('ERR_SIGNATURE_INVALID', 'the access token signature does not verify', { claim: 'signature' });
  }
  if (payload.aud !== options.audience) throw legateError('ERR_AUDIENCE', 'the access token is for another audience', { claim: 'aud' });
  const skew = options.skewSeconds ?? 60;
  const now = epochSeconds((options.clock ?? systemClock)());
  const { exp, iat, nbf } = payload;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw tokenInvalid('the access token needs exp', 'exp');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw tokenInvalid('the access token needs iat', 'iat');
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) throw tokenInvalid('the access token nbf must be a number', 'nbf');
  if (now > exp + skew) throw legateError('ERR_EXPIRED', 'the access token is expired', { claim: 'exp' });
  if (iat > now + skew || (nbf !== undefined && nbf > now + skew)) {
    throw legateError('ERR_NOT_YET_VALID', 'the access token is not yet valid', { claim: nbf !== undefined && nbf > now + skew ? 'nbf' : 'iat' });
  }
  // A token seen before passed claimsOf then, and its (frozen) payload cannot have changed since.
  if (seen) return payload as unknown as AccessTokenClaims;
  const claims = claimsOf(payload);
  options.decoded?.set(token, deepFrozen(detachedDecoding(decoded)));
  return claims;
}

/** The claims, once their shapes are checked: what a verified token promises its reader. */
function claimsOf(payload: Record<string, unknown>): AccessTokenClaims {
  for (const name of ['sub', 'client_id', 'jti', 'scope'] as const) {
    if (typeof payload[name] !== 'string' || (name !== 'scope' && payload[name] === '')) throw tokenInvalid(`the access token ${name} must be a string`, name);
  }
  const details = payload.authorization_details;
  if (!Array.isArray(details) || details.length === 0 || details.length > MAX_GRANTED_CAPABILITIES || !details.every(isGrantedDetail)) {
    throw tokenInvalid('the access token authorization_details are malformed', 'authorization_details');
  }
  if (!isAct(payload.act, 0) || payload.act.sub !== payload.client_id) throw tokenInvalid('the access token act must name the client first', 'act');
  const cnf = payload.cnf;
  if (cnf !== undefined && !(isRecord(cnf) && typeof cnf.jkt === 'string' && /^[A-Za-z0-9_-]{43}$/.test(cnf.jkt))) {
    throw tokenInvalid('the access token cnf must carry a SHA-256 jkt', 'cnf');
  }
  if (payload.legate_chains !== undefined && !isChainsId(payload.legate_chains)) {
    throw tokenInvalid('the access token legate_chains must be a string of at most 128 characters', 'legate_chains');
  }
  return payload as unknown as AccessTokenClaims;
}

const isChainsId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 128;

function isGrantedDetail(value: unknown): value is LegateAuthorizationDetail {
  if (!isRecord(value) || value.type !== AUTHORIZATION_DETAILS_TYPE) return false;
  if (capabilityFieldError(value as { action: unknown; resource: unknown; scope?: unknown }) !== undefined) return false;
  if (value.constraints !== undefined && !isRecord(value.constraints)) return false;
  if (value.credentialConstraints !== undefined && !isRecord(value.credentialConstraints)) return false;
  return value.credential === undefined || typeof value.credential === 'string';
}

function isAct(value: unknown, depth: number): value is ActClaim {
  if (depth >= MAX_ACT_DEPTH || !isRecord(value) || typeof value.sub !== 'string' || value.sub === '') return false;
  return value.act === undefined || isAct(value.act, depth + 1);
}

/**
 * An access token's header and claims, NOT verified (for `legate token
 * inspect` and diagnostics; never for a decision).
 * @throws InputError `ERR_INPUT_TOO_LARGE` or `ERR_MALFORMED`.
 */
export function decodeAccessToken(token: string): { header: JwsHeader; claims: Record<string, unknown> } {
  const { header, payload } = decodeCompactJws(token, MAX_ACCESS_TOKEN_LENGTH);
  return { header, claims: payload };
}
