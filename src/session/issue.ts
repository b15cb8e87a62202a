/**
 * @module session/issue
 *
 * Issues a session token at the end of a handshake (DESIGN "Handshake (ACE)
 * and sessions"): a compact JWS (`typ: session+jwt`, `alg: EdDSA`) signed by
 * B's agent or organization key, `aud` = B, a few minutes of life (never
 * beyond the credentials it rests on), bound to A's key by an RFC 7800
 * `cnf`, carrying the trusted capabilities. `sub` is the human owner and the
 * outermost `act` is A, with the prior actors of its delegation chain nested
 * inside (RFC 8693 §4.1; the reading of `oauth/act`, see `session/types`).
 */

import type { AttributionEntry } from '../delegation/verify-chain.js';
import { legateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import { assertBytes, assertNonEmptyString, isRecord } from '../lib/assert.js';
import { epochSeconds, systemClock, type Clock } from '../lib/clock.js';
import { signCompactJws } from '../lib/jws.js';
import { uuidV7Urn } from '../lib/uuid7.js';
import { ed25519ToJwk } from '../lib/multikey.js';
import { MAX_ACT_DEPTH, principalAndActors } from '../delegation/act.js';
import { didOf } from '../presentation/create.js';
import {
  DEFAULT_SESSION_LIFETIME_SECONDS,
  MAX_SESSION_CAPABILITIES,
  MAX_SESSION_REJECTIONS,
  SESSION_TYP,
  type ActorClaim,
  type SessionCapability,
  type SessionClaims,
  type SessionRejection,
} from './types.js';

const DID = /^did:[a-z0-9]+:\S+$/;

/** Longest session lifetime accepted, in seconds (one day); sessions are meant to be short. */
export const MAX_SESSION_LIFETIME_SECONDS = 86_400;

export interface IssueSessionOptions {
  /** B's agent key, or B's organization key: the token's `iss` is its DID. */
  signer: Signer;
  /** A's DID: the agent the session is for, written as the outermost `act` (the current actor). */
  subject: string;
  /** B's DID: the verifier that will accept the session. */
  audience: string;
  /** A's key, as it signed the handshake: `kid` must be a DID URL of `subject`. */
  holderKey: { kid: string; publicKey: Uint8Array };
  /** The capabilities B trusted, each with its credential id; 1 to 32. */
  capabilities: readonly SessionCapability[];
  /** Intents the handshake rejected, with their codes; the first 32 are kept, without free text. */
  rejected?: readonly SessionRejection[];
  /**
   * A's delegation chain as `verifyChain` reports it (issuer, owner, agent, sub-agents); the last party must be
   * `subject`. Its owner becomes `sub`, its agents the nested `act`. Either this or `owner` is required.
   */
  attribution?: readonly AttributionEntry[];
  /**
   * The accountable human owner (`sub`), for a session issued without a chain (library callers): `act` is then
   * `{ sub: subject }` alone. With `attribution` it may be given only if it names the chain's owner. Never
   * invented: without either, issuing fails.
   */
  owner?: string;
  /** Lifetime in seconds; default 300, at most 86,400. */
  lifetimeSeconds?: number;
  /** The session ends no later than this (e.g. the earliest `validUntil` of the credentials used). */
  notAfter?: Date;
  /** The token's `jti`; default a fresh time-ordered `urn:uuid:` (version 7). */
  id?: string;
  clock?: Clock;
}

export interface IssuedSession {
  token: string;
  claims: SessionClaims;
}

/**
 * `sub` and `act` of a session: from a delegation chain, the owner as `sub`
 * and its agents as `act`, the subject (the chain's last party) outermost;
 * without a chain, `owner` as `sub` and `{ sub: subject }` as `act`.
 * @throws InputError `ERR_INVALID_ARGUMENT` when the chain does not end at
 * `subject`, `owner` contradicts the chain's owner, or no owner is known.
 *
 * @example
 * ```ts
 * sessionPrincipal(chain.attribution, subAgent.did)
 * // { sub: 'mailto:carol@acme.example', act: { sub: subAgent.did, act: { sub: alice.did } } }
 * ```
 */
export function sessionPrincipal(attribution: readonly AttributionEntry[] | undefined, subject: string, owner?: string): { sub: string; act: ActorClaim } {
  if (owner !== undefined) assertNonEmptyString(owner, 'owner');
  if (attribution === undefined) {
    // Fail closed: a session names who is accountable for it, and only the caller knows.
    if (owner === undefined) throw legateError('ERR_INVALID_ARGUMENT', 'a session needs its owner: give attribution or owner', { claim: 'owner' });
    return { sub: owner, act: { sub: subject } };
  }
  const { sub, act } = principalAndActors(attribution);
  if (act.sub !== subject) {
    throw legateError('ERR_INVALID_ARGUMENT', 'the attribution chain must end at the session subject', { claim: 'attribution' });
  }
  if (owner !== undefined && owner !== sub) throw legateError('ERR_INVALID_ARGUMENT', 'owner is not the owner of the attribution chain', { claim: 'owner' });
  // Verifiers refuse a deeper `act` (verifySessionToken): never issue one (a chain is at most 9 links anyway).
  if (attribution.filter((entry) => entry.role === 'agent' || entry.role === 'sub-agent').length > MAX_ACT_DEPTH) {
    throw legateError('ERR_INVALID_ARGUMENT', `a session names at most ${MAX_ACT_DEPTH} actors`, { claim: 'attribution' });
  }
  return { sub, act };
}

function assertCapabilities(capabilities: unknown): asserts capabilities is SessionCapability[] {
  if (!Array.isArray(capabilities) || capabilities.length === 0 || capabilities.length > MAX_SESSION_CAPABILITIES) {
    throw legateError('ERR_INVALID_ARGUMENT', `a session carries 1 to ${MAX_SESSION_CAPABILITIES} capabilities`, { claim: 'capabilities' });
  }
  for (const c of capabilities) {
    if (!isRecord(c) || typeof c.action !== 'string' || typeof c.resource !== 'string' || typeof c.credential !== 'string') {
      throw new TypeError('each session capability needs string action, resource and credential');
    }
  }
}

/**
 * Issues a session token.
 *
 * @throws InputError `ERR_INVALID_ARGUMENT` for no or too many capabilities,
 * a holder key of another DID, an attribution chain not ending at the
 * subject, no owner (neither `attribution` nor `owner`), an `owner` other
 * than the chain's, or a session that would already be over; TypeError / RangeError
 * for arguments of the wrong type or size.
 *
 * @example
 * ```ts
 * const { token } = await issueSessionToken({
 *   signer: bob.signer, subject: alice.did, audience: bob.did,
 *   holderKey: { kid: alice.signer.kid, publicKey: alice.signer.publicKey },
 *   capabilities: [{ action: 'call', resource: 'billing:refund', credential: credentialId }],
 *   attribution: chain.attribution,
 * });
 * ```
 */
export async function issueSessionToken(options: IssueSessionOptions): Promise<IssuedSession> {
  const { signer, subject, audience, holderKey } = options;
  assertNonEmptyString(subject, 'subject');
  if (!DID.test(subject)) throw legateError('ERR_INVALID_ARGUMENT', 'the session subject must be a DID', { claim: 'subject' });
  assertNonEmptyString(audience, 'audience');
  assertNonEmptyString(holderKey?.kid, 'holderKey.kid');
  assertBytes(holderKey.publicKey, 'holderKey.publicKey', 32);
  if (!holderKey.kid.startsWith(`${subject}#`)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'the holder key must be a verification method of the subject', { claim: 'holderKey' });
  }
  assertCapabilities(options.capabilities);
  const lifetime = options.lifetimeSeconds ?? DEFAULT_SESSION_LIFETIME_SECONDS;
  if (!Number.isSafeInteger(lifetime) || lifetime <= 0 || lifetime > MAX_SESSION_LIFETIME_SECONDS) {
    throw new RangeError(`lifetimeSeconds must be an integer from 1 to ${MAX_SESSION_LIFETIME_SECONDS}`);
  }
  const now = (options.clock ?? systemClock)();
  const iat = epochSeconds(now);
  const exp = Math.min(iat + lifetime, options.notAfter === undefined ? Number.POSITIVE_INFINITY : epochSeconds(options.notAfter));
  if (!(exp > iat)) throw legateError('ERR_INVALID_ARGUMENT', 'the session would already be over (notAfter)', { claim: 'notAfter' });
  const { sub, act } = sessionPrincipal(options.attribution, subject, options.owner);
  const rejected = (options.rejected ?? []).slice(0, MAX_SESSION_REJECTIONS).map(({ action, resource, scope, code }) => ({
    action,
    resource,
    ...(scope === undefined ? {} : { scope }),
    code,
  }));
  const claims: SessionClaims = {
    iss: didOf(signer.kid),
    sub,
    aud: audience,
    iat,
    exp,
    // Time-ordered (the token states its iat anyway): a session's row lands at the end of the node's sessions table, not at a random page of it.
    jti: options.id ?? uuidV7Urn(now.getTime()),
    cnf: { kid: holderKey.kid, jwk: ed25519ToJwk(holderKey.publicKey) },
    capabilities: options.capabilities.map((c) => ({ ...c })),
    ...(rejected.length === 0 ? {} : { rejected }),
    act,
  };
  const token = await signCompactJws(claims as unknown as Record<string, unknown>, signer, { typ: SESSION_TYP });
  return { token, claims };
}
