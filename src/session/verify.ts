/**
 * @module session/verify
 *
 * Verifies a session token where it is used: at verifier B, for every
 * signed action, and at A after the handshake as a sanity check. Only
 * `alg: EdDSA`; `typ: session+jwt`; the issuer must be one B accepts
 * session tokens from (by default only B itself: anyone can sign a JWT
 * naming B as audience, so the issuer list is what makes a session B's);
 * a signature by an `assertionMethod` key of the issuer; `aud` = B; `exp`
 * not passed and `iat` not in the future, with skew; well-formed claims,
 * among them the attribution of `session/types`: `sub` the owner, an `act`
 * whose every `sub` is a DID, at most `MAX_ACT_DEPTH` deep, the outermost
 * (the agent) the DID of the `cnf` key. Every failed check is reported.
 */

import type { KeyResolvable } from '../did/verification-key.js';
import { didSignature } from '../did/signature.js';
import { decodeRemembered, type SignatureMemo } from '../lib/signature-memo.js';
import { LegateError, legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { decodeBase64url } from '../lib/base64url.js';
import { epochSeconds, systemClock, type Clock } from '../lib/clock.js';
import { MAX_ACT_DEPTH } from '../delegation/act.js';
import { DEFAULT_MAX_TOKEN_LENGTH, headerErrors, type DecodedJws, type JwsHeader } from '../lib/jws.js';
import { MAX_SESSION_CAPABILITIES, SESSION_TYP, type SessionClaims } from './types.js';

export interface VerifySessionOptions {
  resolver: KeyResolvable;
  /** The verifier's own DID: the session's `aud` must name it. */
  audience: string;
  /** DIDs whose session tokens are accepted (B's agent DID, B's organization DID). Default `[audience]`. */
  issuers?: readonly string[];
  clock?: Clock;
  /** Tolerated clock difference, in seconds. Default 60. */
  skewSeconds?: number;
  /** Longest token accepted, in characters. Default 64 KiB. */
  maxLength?: number;
  /** Signatures already found valid (the verifier's own session tokens, checked on every action): see `VerifyCredentialOptions.signatureMemo`. */
  signatureMemo?: SignatureMemo | undefined;
}

export interface SessionVerification {
  verified: boolean;
  errors: LegateError[];
  /** The claims, when well-formed (present even when unverified, for diagnostics). */
  claims?: SessionClaims;
  header?: JwsHeader;
}

const DID = /^did:[a-z0-9]+:\S+$/;
const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** An `act` chain that is not 1 to {@link MAX_ACT_DEPTH} nested actors, each a DID: a session always names its agent. */
function actProblem(act: unknown): boolean {
  let depth = 0;
  for (let a: unknown = act; a !== undefined; a = a.act) {
    if (++depth > MAX_ACT_DEPTH || !isRecord(a) || typeof a.sub !== 'string' || !DID.test(a.sub)) return true;
  }
  return depth === 0;
}

function capabilityProblem(value: unknown): boolean {
  if (!isRecord(value)) return true;
  const { action, resource, scope, credential, constraints, credentialConstraints } = value;
  return (
    !isString(action) ||
    !isString(resource) ||
    !isString(credential) ||
    (scope !== undefined && !isString(scope)) ||
    (constraints !== undefined && !isRecord(constraints)) ||
    (credentialConstraints !== undefined && !isRecord(credentialConstraints))
  );
}

/** Claims that are missing or of the wrong shape, as `ERR_MALFORMED` errors. */
function shapeErrors(payload: Record<string, unknown>): LegateError[] {
  const bad: string[] = [];
  for (const claim of ['iss', 'sub', 'aud', 'jti'] as const) if (!isString(payload[claim])) bad.push(claim);
  for (const claim of ['iat', 'exp'] as const) if (!isTime(payload[claim])) bad.push(claim);
  const { cnf, capabilities, act } = payload;
  const jwk = isRecord(cnf) ? cnf.jwk : undefined;
  const x = isRecord(jwk) && typeof jwk.x === 'string' ? decodeBase64url(jwk.x) : undefined;
  if (!isRecord(cnf) || !isString(cnf.kid) || !isRecord(jwk) || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || x?.length !== 32) bad.push('cnf');
  if (!Array.isArray(capabilities) || capabilities.length === 0 || capabilities.length > MAX_SESSION_CAPABILITIES || capabilities.some(capabilityProblem)) {
    bad.push('capabilities');
  }
  if (actProblem(act)) bad.push('act');
  // The agent (outermost actor) holds the `cnf` key: a key of another DID would bind actions to someone else.
  else if (!bad.includes('cnf') && !(cnf as { kid: string }).kid.startsWith(`${(act as { sub: string }).sub}#`)) bad.push('cnf');
  return bad.map((claim) => legateError('ERR_MALFORMED', `session claim ${claim} is missing or malformed`, { claim }));
}

async function signatureErrors(decoded: DecodedJws, iss: string, resolver: KeyResolvable, memo: SignatureMemo | undefined): Promise<LegateError[]> {
  const check = { did: iss, relationship: 'assertionMethod', party: 'session issuer', didClaim: 'iss', what: 'session token signature', memo } as const;
  return (await didSignature(decoded, resolver, check)).errors;
}

/**
 * Verifies a session token. Never throws for a bad token: every failed
 * check is in `errors` with its code.
 *
 * @throws TypeError when `options` lacks a resolver or an audience.
 *
 * @example
 * ```ts
 * const result = await verifySessionToken(token, { resolver, audience: bob.did, issuers: [bob.did, acme.did] });
 * if (result.verified) result.claims.capabilities; // what alice may invoke at bob
 * ```
 */
export async function verifySessionToken(token: string, options: VerifySessionOptions): Promise<SessionVerification> {
  if (!isRecord(options) || typeof options.resolver?.resolve !== 'function') throw new TypeError('options.resolver must be a DID resolver');
  if (!isString(options.audience)) throw new TypeError('options.audience must be a non-empty string');
  let decoded: DecodedJws;
  try {
    decoded = decodeRemembered(token, options.maxLength ?? DEFAULT_MAX_TOKEN_LENGTH, options.signatureMemo);
  } catch (error) {
    if (error instanceof LegateError) return { verified: false, errors: [error] };
    throw error;
  }
  const { header, payload } = decoded;
  const errors: LegateError[] = [];
  errors.push(...headerErrors(header, { typ: SESSION_TYP, what: 'session tokens' }));
  const shape = shapeErrors(payload);
  errors.push(...shape);
  const { iss, aud, iat, exp } = payload;
  if (isString(iss)) {
    if (!(options.issuers ?? [options.audience]).includes(iss)) {
      errors.push(legateError('ERR_UNTRUSTED_ISSUER', 'session tokens from this issuer are not accepted', { claim: 'iss' }));
    } else if (header.alg === 'EdDSA') {
      const signature = await signatureErrors(decoded, iss, options.resolver, options.signatureMemo);
      errors.push(...signature);
      // Verified on every action under it: its decoding is kept with its signature.
      if (signature.length === 0) options.signatureMemo?.keepDecoded(token, decoded);
    }
  }
  if (aud !== options.audience) errors.push(legateError('ERR_AUDIENCE', 'the session is for another verifier', { claim: 'aud' }));
  const now = epochSeconds((options.clock ?? systemClock)());
  const skew = options.skewSeconds ?? 60;
  if (isTime(exp) && exp < now - skew) errors.push(legateError('ERR_EXPIRED', 'the session has expired', { claim: 'exp' }));
  if (isTime(iat) && iat > now + skew) errors.push(legateError('ERR_NOT_YET_VALID', 'the session is dated in the future', { claim: 'iat' }));
  return {
    verified: errors.length === 0,
    errors,
    ...(shape.length === 0 ? { claims: payload as unknown as SessionClaims } : {}),
    header,
  };
}
