/**
 * @module action/verify
 *
 * Verifies a signed action at the verifier (DESIGN "Signed actions"): only
 * `alg: EdDSA` and `typ: action+jwt`; the schema and the params bound; a
 * signature by an `authentication` key of `iss`; the session token (issued
 * by this verifier, for it, unexpired); key binding: `iss` is the session's
 * agent (its current actor, `act.sub`; `sub` is the human owner, who never
 * signs actions) and the signing key is the session's `cnf` key; `aud`; `iat` within
 * the clock skew; the body hash; the `jti` not seen before; and the session
 * capability that covers the action. The session is checked first, and
 * `iss`'s DID is resolved only for an action a verified session binds to it
 * (trust before fetch), so a stranger's action makes no request. The final decision (constraints,
 * budgets, rates, approval) is the node's, with `authorize()`; this module
 * only names the covering capability. Every failed check is reported.
 */

import type { KeyResolvable } from '../did/verification-key.js';
import { capabilityCovers } from '../capability/match.js';
import { schemaErrors } from '../credential/schema.js';
import { LegateError, legateError } from '../errors/index.js';
import { authenticationSignature, freshnessErrors, replayErrors, replayKey } from '../handshake/message.js';
import { sameString } from '../lib/same-string.js';
import type { ReplayCache } from '../handshake/replay-cache.js';
import { isRecord } from '../lib/assert.js';
import { encodeBase64url } from '../lib/base64url.js';
import { epochSeconds, systemClock, type Clock } from '../lib/clock.js';
import { decodeCompactJws, headerErrors, type DecodedJws } from '../lib/jws.js';
import { sessionAgent, type SessionCapability, type SessionClaims } from '../session/types.js';
import { verifySessionToken } from '../session/verify.js';
import type { SignatureMemo } from '../lib/signature-memo.js';
import { assertParams } from './create.js';
import { actionHash, bodyHash } from './hash.js';
import { ACTION_TYP, MAX_ACTION_LENGTH, SIGNED_ACTION_SCHEMA_FILE, type SignedActionPayload } from './types.js';

export interface VerifySignedActionOptions {
  resolver: KeyResolvable;
  /** This verifier's DID: the action's and the session's `aud`. */
  audience: string;
  /** DIDs whose session tokens this verifier accepts (itself, its organization). Default `[audience]`. */
  sessionIssuers?: readonly string[];
  /** Remembers `jti`s; share it across instances (see `ReplayCache`). */
  replay: ReplayCache;
  clock?: Clock;
  /** Tolerated clock difference, and the window an action is accepted in, in seconds. Default 60. */
  skewSeconds?: number;
  /** The request body received with the action; checked against `bodyHash`. */
  body?: Uint8Array;
  /** Signatures already found valid: the session token, issued here and sent again with every action, is verified once (see `VerifyCredentialOptions.signatureMemo`). */
  signatureMemo?: SignatureMemo | undefined;
}

export interface SignedActionVerification {
  /** True when every check passed and a session capability covers the action. */
  ok: boolean;
  errors: LegateError[];
  /** The action, when decoded (present even when refused, for the audit log). */
  claims?: SignedActionPayload;
  /** The verified session's claims: who acts, for whom (`act`), with what. */
  session?: SessionClaims;
  /** The session capability covering the action; its constraints are still to be checked. */
  capability?: SessionCapability;
  /** The action hash, to check an approval against. */
  hash?: string;
}

function relabelSession(error: LegateError): LegateError {
  return legateError(error.code, `session: ${error.message}`, { claim: `session.${error.claim ?? 'token'}`, reason: error.reason });
}

function bodyErrors(claimed: unknown, body: Uint8Array | undefined): LegateError[] {
  const mismatch = (message: string) => [legateError('ERR_SIGNATURE_INVALID', message, { claim: 'bodyHash', reason: 'body-hash-mismatch' })];
  if (claimed === undefined) return body === undefined || body.length === 0 ? [] : mismatch('a body was received but the action names none');
  if (body === undefined) return mismatch('the action names a body but none was received');
  return sameString(bodyHash(body), typeof claimed === 'string' ? claimed : '') ? [] : mismatch('the body does not match the signed bodyHash');
}

/** Key binding: the session is the signer's (its agent, `act.sub`), and bound to the very key that signed (`cnf`). */
function bindingErrors(payload: Record<string, unknown>, kid: unknown, key: Uint8Array | undefined, session: SessionClaims): LegateError[] {
  const errors: LegateError[] = [];
  if (payload.iss !== sessionAgent(session)) {
    errors.push(legateError('ERR_HOLDER_BINDING', 'the action is signed by another party than the session’s agent', { claim: 'iss' }));
  }
  const sameKey = key === undefined || encodeBase64url(key) === session.cnf.jwk.x;
  if (kid !== session.cnf.kid || !sameKey) {
    errors.push(legateError('ERR_KEY_BINDING', 'the action is not signed with the key the session is bound to', { claim: 'kid' }));
  }
  return errors;
}

/**
 * Verifies a signed action. Never throws for a bad token.
 *
 * @throws TypeError when `options` lacks a resolver, audience or replay cache.
 *
 * @example
 * ```ts
 * const result = await verifySignedAction(token, { resolver, audience: bob.did, replay, body });
 * if (!result.ok) return deny(result.errors);
 * const decision = authorize(request, sessionSubjects(result.session!), { verifier: bob.did, approved });
 * ```
 */
export function verifySignedAction(token: string, options: VerifySignedActionOptions): Promise<SignedActionVerification> {
  return verifyDecodedSignedAction(token, undefined, options);
}

/**
 * {@link verifySignedAction} for a caller that has already decoded `token`
 * (a node reads who sent it first): `decoded` must be `decodeCompactJws` of
 * this very text; undefined decodes it here. The length bound applies
 * either way. Internal.
 */
export async function verifyDecodedSignedAction(token: string, decoded: DecodedJws | undefined, options: VerifySignedActionOptions): Promise<SignedActionVerification> {
  if (!isRecord(options) || typeof options.resolver?.resolve !== 'function') throw new TypeError('options.resolver must be a DID resolver');
  if (typeof options.audience !== 'string' || options.audience.length === 0) throw new TypeError('options.audience must be a non-empty string');
  if (typeof options.replay?.remember !== 'function') throw new TypeError('options.replay must be a ReplayCache');
  try {
    // Over the bound, decoding refuses it whatever the caller decoded.
    if (decoded === undefined || typeof token !== 'string' || token.length > MAX_ACTION_LENGTH) decoded = decodeCompactJws(token, MAX_ACTION_LENGTH);
  } catch (error) {
    if (error instanceof LegateError) return { ok: false, errors: [error] };
    throw error;
  }
  const { header, payload } = decoded;
  const errors: LegateError[] = [];
  errors.push(...headerErrors(header, { typ: ACTION_TYP, what: 'actions' }));
  const shape: LegateError[] = schemaErrors(SIGNED_ACTION_SCHEMA_FILE, payload);
  if (shape.length === 0) {
    try {
      assertParams(payload.params);
    } catch (error) {
      shape.push(error instanceof LegateError ? error : legateError('ERR_MALFORMED', 'params are not JSON', { claim: 'params' }));
    }
  }
  errors.push(...shape);
  if (shape.length > 0) return { ok: false, errors };
  const claims = payload as unknown as SignedActionPayload;

  const skew = options.skewSeconds ?? 60;
  // Trust before fetch (#13 item 2): the session first. Its issuer must be one this verifier accepts (itself),
  // so checking it needs no network; `iss` is anyone's DID (a did:web names a host) and is resolved only once a
  // verified session names it as its agent, bound to the very kid that signed. A stranger's action costs no fetch.
  const sessionResult = await verifySessionToken(claims.session, {
    resolver: options.resolver,
    audience: options.audience,
    ...(options.sessionIssuers === undefined ? {} : { issuers: options.sessionIssuers }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    skewSeconds: skew,
    signatureMemo: options.signatureMemo,
  });
  const session = sessionResult.claims;
  const vouched = sessionResult.verified && session !== undefined && claims.iss === sessionAgent(session) && header.kid === session.cnf.kid;
  const signature = header.alg === 'EdDSA' && vouched ? await authenticationSignature(decoded, claims.iss, options.resolver) : { errors: [] };
  errors.push(...signature.errors);
  if (claims.aud !== options.audience) errors.push(legateError('ERR_AUDIENCE', 'the action is addressed to another verifier', { claim: 'aud' }));
  const now = epochSeconds((options.clock ?? systemClock)());
  errors.push(...freshnessErrors(claims.iat, now, 0, skew));
  errors.push(...bodyErrors(claims.bodyHash, options.body));
  errors.push(...sessionResult.errors.map(relabelSession));
  if (session !== undefined) errors.push(...bindingErrors(payload, header.kid, signature.key?.publicKey, session));

  // Only an authentic action burns its jti; it stays remembered until it would be refused as stale anyway.
  if (signature.key !== undefined) {
    errors.push(...(await replayErrors(options.replay, [replayKey('action', 'jti', claims.iss, claims.jti)], new Date((claims.iat + 2 * skew) * 1000))));
  }
  const request = { action: claims.action, resource: claims.resource, scope: claims.scope };
  const capability = sessionResult.verified ? session?.capabilities.find((c) => capabilityCovers(c, request)) : undefined;
  if (sessionResult.verified && capability === undefined) {
    errors.push(legateError('ERR_NOT_AUTHORIZED', 'no capability of the session covers this action', { claim: 'action' }));
  }
  return {
    ok: errors.length === 0,
    errors,
    claims,
    ...(sessionResult.verified && session !== undefined ? { session } : {}),
    ...(capability === undefined ? {} : { capability }),
    hash: actionHash(claims),
  };
}
