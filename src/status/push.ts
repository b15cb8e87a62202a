/**
 * @module status/push
 *
 * The two signed messages of revocation push (#17 item 5), on top of the
 * Bitstring Status List, which stays the source of truth:
 *
 * - a **subscription** (`typ: status-subscription+jwt`): a verifier's
 *   organization (`iss`) asks the issuer's organization (`aud`) to tell it
 *   when the status lists `lists` change, until `exp`;
 * - a **notice** (`typ: status-notice+jwt`): the issuer's organization
 *   (`iss`) tells a subscriber (`aud`) that `lists` changed.
 *
 * Both are compact JWS signed by an `assertionMethod` key of `iss`, with
 * `iat`, `exp` and a `jti` for replay protection. Verifying runs every check
 * that needs no fetch first, then `admit(iss)` (the caller's trust decision:
 * a subscriber its registry trusts, an issuer it relies on), and only then
 * resolves `iss` for the signature: nothing is fetched for a stranger.
 */

import { didSignature } from '../did/signature.js';
import type { LegateError } from '../errors/index.js';
import { legateError } from '../errors/index.js';
import type { KeyResolvable } from '../did/verification-key.js';
import type { Clock } from '../lib/clock.js';
import { decodeCompactJws, headerErrors, signCompactJws } from '../lib/jws.js';
import type { Signer } from '../lib/signer.js';
import { MAX_STATUS_URL_LENGTH } from './entry.js';

/** The two message kinds and their `typ`. */
export const PUSH_TYPES = { subscription: 'status-subscription+jwt', notice: 'status-notice+jwt' } as const;
export type PushKind = keyof typeof PUSH_TYPES;

/** Most list URLs one message may name. */
export const MAX_PUSH_LISTS = 64;
/** Largest message accepted, in characters. */
export const MAX_PUSH_MESSAGE_LENGTH = 16 * 1024;
const MAX_JTI_LENGTH = 128;
const MAX_DID_LENGTH = 2048;

export interface CreatePushMessageOptions {
  kind: PushKind;
  /** Signs for `iss`: its organization key. */
  signer: Signer;
  iss: string;
  aud: string;
  lists: readonly string[];
  /** Seconds from `iat` to `exp`. */
  lifetimeSeconds: number;
  clock: Clock;
}

/** Signs a subscription or a notice. */
export async function createPushMessage(options: CreatePushMessageOptions): Promise<{ token: string; jti: string; exp: number }> {
  const iat = Math.floor(options.clock().getTime() / 1000);
  const exp = iat + options.lifetimeSeconds;
  const jti = `urn:uuid:${crypto.randomUUID()}`;
  const payload = { iss: options.iss, aud: options.aud, lists: [...options.lists], iat, exp, jti };
  return { token: await signCompactJws(payload, options.signer, { typ: PUSH_TYPES[options.kind] }), jti, exp };
}

export interface VerifyPushMessageOptions {
  kind: PushKind;
  /** This organization's DID: the message's `aud`. */
  audience: string;
  resolver: KeyResolvable;
  clock: Clock;
  /** Tolerated clock difference, in seconds. */
  skewSeconds: number;
  /** Longest `exp - iat` accepted, in seconds. */
  maxLifetimeSeconds: number;
  /** Called with `iss` before anything is resolved for it; throws to refuse it. */
  admit: (iss: string) => void | Promise<void>;
}

/** A verified message. */
export interface PushMessage {
  iss: string;
  lists: string[];
  jti: string;
  iat: number;
  exp: number;
}

function malformed(message: string, claim: string): LegateError {
  return legateError('ERR_MALFORMED', message, { claim });
}

function isListUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_STATUS_URL_LENGTH) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The claims of a decoded message, checked for shape. */
function claimsOf(payload: Record<string, unknown>): PushMessage & { aud: string } {
  const { iss, aud, lists, iat, exp, jti } = payload;
  if (typeof iss !== 'string' || !iss.startsWith('did:') || iss.length > MAX_DID_LENGTH) throw malformed('iss must be a DID', 'iss');
  if (typeof aud !== 'string') throw malformed('aud must be a DID', 'aud');
  if (!Array.isArray(lists) || lists.length === 0 || lists.length > MAX_PUSH_LISTS || !lists.every(isListUrl)) {
    throw malformed(`lists must be 1 to ${MAX_PUSH_LISTS} http(s) URLs`, 'lists');
  }
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) throw malformed('iat and exp must be integers', 'iat');
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw malformed('jti must be a short string', 'jti');
  return { iss, aud, lists: [...new Set(lists)], iat: iat as number, exp: exp as number, jti };
}

/**
 * Verifies a subscription or a notice addressed to `audience`.
 * @throws InputError `ERR_MALFORMED` / `ERR_INPUT_TOO_LARGE` for a malformed or oversized token or claim;
 * `ERR_ALG_NOT_ALLOWED`; `ERR_AUDIENCE` for another audience; `ERR_EXPIRED` past `exp`;
 * `ERR_NOT_YET_VALID` for an `iat` in the future; `ERR_INVALID_ARGUMENT` (reason `lifetime`) for too long a lifetime;
 * whatever `admit` throws; `ERR_DID_UNRESOLVABLE`, `ERR_KID_INVALID`, `ERR_SIGNATURE_INVALID` for the signature.
 */
export async function verifyPushMessage(token: string, options: VerifyPushMessageOptions): Promise<PushMessage> {
  const decoded = decodeCompactJws(token, MAX_PUSH_MESSAGE_LENGTH);
  const [headerError] = headerErrors(decoded.header, { typ: PUSH_TYPES[options.kind], what: `status ${options.kind}s` });
  if (headerError !== undefined) throw headerError;
  const claims = claimsOf(decoded.payload);
  if (claims.aud !== options.audience) throw legateError('ERR_AUDIENCE', `the ${options.kind} is addressed to another organization`, { claim: 'aud' });
  const now = options.clock().getTime() / 1000;
  if (claims.exp <= now - options.skewSeconds) throw legateError('ERR_EXPIRED', `the ${options.kind} has expired`, { claim: 'exp' });
  if (claims.iat > now + options.skewSeconds) throw legateError('ERR_NOT_YET_VALID', `the ${options.kind} is issued in the future`, { claim: 'iat' });
  if (claims.exp - claims.iat > options.maxLifetimeSeconds || claims.exp <= claims.iat) {
    throw legateError('ERR_INVALID_ARGUMENT', `the ${options.kind} must last at most ${options.maxLifetimeSeconds} s`, { claim: 'exp', reason: 'lifetime' });
  }
  // The caller's trust decision, before anything is resolved for this iss.
  await options.admit(claims.iss);
  const { errors } = await didSignature(decoded, options.resolver, {
    did: claims.iss,
    relationship: 'assertionMethod',
    party: options.kind === 'notice' ? 'issuer' : 'subscriber',
    didClaim: 'iss',
    what: `${options.kind} signature`,
  });
  if (errors[0] !== undefined) throw errors[0];
  return { iss: claims.iss, lists: claims.lists, jti: claims.jti, iat: claims.iat, exp: claims.exp };
}
