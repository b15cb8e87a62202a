/**
 * @module handshake/message
 *
 * What the three ACE messages share (DESIGN "Handshake (ACE) and
 * sessions"): signing a payload after checking it against its schema, and
 * the checks every received message passes before its own: bounded
 * decoding, `alg: EdDSA` and `typ: ace+jwt`, the schema, a signature by an
 * `authentication` key (DID Core §5.3.1) of the sender `iss`, `aud` naming
 * the receiver, `iat` within the maximum age and clock skew, and finally
 * replay (message id and nonces) for messages that passed everything else.
 * Internal to the handshake.
 */

import { randomBytes } from 'node:crypto';
import { LegateError, legateError } from '../errors/index.js';
import type { VerifyCredentialOptions } from '../credential/verify-jwt.js';
import { assertSchema, schemaErrors } from '../credential/schema.js';
import { didSignature, type DidSignature } from '../did/signature.js';
import type { Signer } from '../keys/signer.js';
import { isRecord } from '../lib/assert.js';
import { encodeBase64url } from '../lib/base64url.js';
import { epochSeconds, systemClock, type Clock } from '../lib/clock.js';
import { uuidV7Urn } from '../lib/uuid7.js';
import type { DecodedJws } from '../lib/jws.js';
import { decodeCompactJws, headerErrors, signCompactJws } from '../lib/jws.js';
import { didOf } from '../presentation/create.js';
import type { ReplayCache } from './replay-cache.js';
import { ACE_TYP, MAX_ACE_MESSAGE_LENGTH, MAX_INTENTS, type AceMessage } from './types.js';

/** What every ACE handler needs besides its own inputs. */
export interface AceVerifyContext {
  /** Resolver, clock, skew, and for presentations the status and trust hooks. */
  verify: VerifyCredentialOptions;
  /** Remembers message ids and nonces; see {@link MemoryReplayCache}. */
  replay: ReplayCache;
  /** Oldest acceptable `iat`, in seconds; default 120. The skew (`verify.skewSeconds`, default 60) is added. */
  maxAgeSeconds?: number;
}

/** A received message that passed the common checks, or the reasons it did not. */
export interface CheckedMessage<P> {
  errors: LegateError[];
  payload?: P;
  /** The sender's key, when the signature verified: its `kid` and raw public key. */
  key?: { kid: string; publicKey: Uint8Array };
}

export const DEFAULT_SKEW_SECONDS = 60;
export const DEFAULT_MAX_AGE_SECONDS = 120;
const MAX_REASON_LENGTH = 500;

/**
 * A fresh random challenge: 128 bits, base64url.
 *
 * @example
 * ```ts
 * const nonce = createNonce(); // 'q3V0cm9uZ2x5LXJhbmRvbQ'
 * ```
 */
export function createNonce(): string {
  return encodeBase64url(randomBytes(16));
}

/** A fresh message id: time-ordered (UUID version 7), as the receiver remembers it until stale (see action/create). */
export function messageId(clock: Clock = systemClock): string {
  return uuidV7Urn(clock().getTime());
}

/** An error message clipped to fit a `reason` field. */
export function clip(text: string): string {
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH)}…` : text;
}

/** Checks `payload` against its schema and signs it with the sender's key. @throws InputError */
export async function signAceMessage<P extends { type: string }>(payload: P, signer: Signer, schemaFile: string): Promise<AceMessage<P>> {
  assertSchema(schemaFile, payload, `ACE ${payload.type}`);
  const token = await signCompactJws(payload, signer, { typ: ACE_TYP });
  if (token.length > MAX_ACE_MESSAGE_LENGTH) {
    throw legateError('ERR_INPUT_TOO_LARGE', `the ${payload.type} message is longer than ${MAX_ACE_MESSAGE_LENGTH} characters`, { claim: 'token' });
  }
  return { token, payload };
}

/** The sender DID of a signer, refusing keys that are not DID URLs. */
export function senderOf(signer: Signer): string {
  if (typeof signer?.kid !== 'string' || !signer.kid.startsWith('did:') || !signer.kid.includes('#')) {
    throw new TypeError('signer.kid must be a DID URL');
  }
  return didOf(signer.kid);
}

/** Arrays bounded before the schema runs, so an oversized message is reported as such. */
function sizeErrors(payload: Record<string, unknown>): LegateError[] {
  return ['intents', 'trusted', 'rejected']
    .filter((field) => Array.isArray(payload[field]) && (payload[field] as unknown[]).length > MAX_INTENTS)
    .map((field) => legateError('ERR_INPUT_TOO_LARGE', `${field} has more than ${MAX_INTENTS} entries`, { claim: field }));
}

/**
 * Verifies a signature by an `authentication` key of `iss`; returns the key on success.
 * Shared with signed actions, which are signed the same way.
 */
export async function authenticationSignature(
  decoded: DecodedJws,
  iss: string,
  resolver: VerifyCredentialOptions['resolver'],
): Promise<DidSignature> {
  return didSignature(decoded, resolver, { did: iss, relationship: 'authentication', party: 'sender (iss)', didClaim: 'iss', what: 'message signature' });
}

/** `iat` within `[now - maxAge - skew, now + skew]`. */
export function freshnessErrors(iat: unknown, now: number, maxAgeSeconds: number, skewSeconds: number): LegateError[] {
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return [legateError('ERR_MALFORMED', 'iat is missing', { claim: 'iat' })];
  if (iat > now + skewSeconds) return [legateError('ERR_NOT_YET_VALID', 'the message is dated in the future', { claim: 'iat' })];
  if (iat < now - maxAgeSeconds - skewSeconds) return [legateError('ERR_EXPIRED', 'the message is stale', { claim: 'iat' })];
  return [];
}

/** A replay-cache key and the claim it protects (reported on a replay). */
export interface ReplayKey {
  key: string;
  claim: string;
}

/**
 * A replay-cache key: a namespace, then the parts separated by spaces, which
 * no DID, id or nonce accepted by the schemas contains, so keys of different
 * parts never collide.
 */
export function replayKey(namespace: string, claim: string, ...parts: string[]): ReplayKey {
  return { key: [`${namespace}:${claim}`, ...parts].join(' '), claim };
}

/** The refusal of a message seen before, naming the claim (`id`, `nonce`, `jti`…) that was. */
export function replayedError(claim: string): LegateError {
  return legateError('ERR_REPLAY', `this message (its ${claim}) was seen before`, { claim });
}

/**
 * Records every key; any one seen before is a replay. A cache that cannot
 * decide (full, down) fails the check with its own error.
 */
export async function replayErrors(replay: ReplayCache, keys: readonly ReplayKey[], expiresAt: Date): Promise<LegateError[]> {
  try {
    const replayed = (claim: string) => [replayedError(claim)];
    if (keys.length > 1 && replay.rememberEach !== undefined) {
      const index = await replay.rememberEach(keys.map((k) => k.key), expiresAt);
      return index === -1 ? [] : replayed(keys[index]!.claim);
    }
    for (const { key, claim } of keys) {
      if (!(await replay.remember(key, expiresAt))) return replayed(claim);
    }
    return [];
  } catch (error) {
    if (error instanceof LegateError) return [error];
    return [legateError('ERR_STORE', 'the replay cache failed', { cause: error })];
  }
}

/** Options of {@link checkAceMessage}. */
export interface MessageExpectation {
  type: 'advertise' | 'acknowledge' | 'confirm';
  schemaFile: string;
  /** The receiver's DID: `aud` must name it. */
  self: string;
  /** Replay keys besides the message id, derived from the payload (nonces, the message answered). */
  replayKeys: (payload: Record<string, unknown>) => ReplayKey[];
  /** Checks of this message type (nonce echo, correlation), run before replay so a refused message burns no nonce. */
  extra?: (payload: Record<string, unknown>) => LegateError[];
  /**
   * Trust before fetch: checks run before the sender's DID is resolved, on a
   * message that passed every other check; errors refuse the message with
   * no signature check (so no lookup of the sender). When given, the
   * signature is checked last, after `aud`, freshness and `extra`.
   */
  beforeSignature?: (payload: Record<string, unknown>) => Promise<LegateError[]>;
}

/** Runs the checks every received ACE message passes. Never throws for a bad message. */
export async function checkAceMessage<P>(token: unknown, expected: MessageExpectation, context: AceVerifyContext): Promise<CheckedMessage<P>> {
  let decoded: DecodedJws;
  try {
    // An advertise carries a presentation with its chains: the whole message bound applies to the payload.
    decoded = decodeCompactJws(token as string, MAX_ACE_MESSAGE_LENGTH) // it refuses non-strings itself;
  } catch (error) {
    if (error instanceof LegateError) return { errors: [error] };
    throw error;
  }
  const { header, payload } = decoded;
  const errors = headerErrors(header, { typ: ACE_TYP, what: 'messages' });
  const tooLarge = sizeErrors(payload);
  errors.push(...tooLarge);
  if (tooLarge.length === 0) errors.push(...schemaErrors(expected.schemaFile, payload));
  let key: { kid: string; publicKey: Uint8Array } | undefined;
  const signable = typeof payload.iss === 'string' && header.alg === 'EdDSA';
  const checkSignature = async () => {
    context.verify.budget?.charge('signatures');
    const signature = await authenticationSignature(decoded, payload.iss as string, context.verify.resolver);
    errors.push(...signature.errors);
    key = signature.key;
  };
  if (signable && expected.beforeSignature === undefined) await checkSignature();
  if (payload.aud !== expected.self) {
    errors.push(legateError('ERR_AUDIENCE', `the ${expected.type} is addressed to another party`, { claim: 'aud' }));
  }
  const skew = context.verify.skewSeconds ?? DEFAULT_SKEW_SECONDS;
  const maxAge = context.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const now = epochSeconds((context.verify.clock ?? systemClock)());
  errors.push(...freshnessErrors(payload.iat, now, maxAge, skew));
  errors.push(...(expected.extra?.(payload) ?? []));
  if (signable && expected.beforeSignature !== undefined && errors.length === 0) {
    errors.push(...(await expected.beforeSignature(payload)));
    if (errors.length === 0) await checkSignature();
  }
  if (errors.length === 0) {
    // Only a valid, authentic, fresh message for us is remembered: garbage cannot burn ids or nonces.
    const keys = [replayKey(`ace:${expected.type}`, 'id', payload.iss as string, payload.id as string), ...expected.replayKeys(payload)];
    errors.push(...(await replayErrors(context.replay, keys, new Date(((payload.iat as number) + maxAge + 2 * skew) * 1000))));
  }
  return { errors, payload: payload as P, ...(key === undefined ? {} : { key }) };
}

/** @throws TypeError when a handler context lacks what every handler needs. */
export function assertVerifyContext(context: unknown): asserts context is AceVerifyContext {
  if (!isRecord(context)) throw new TypeError('context must be an object');
  if (!isRecord(context.verify) || !isRecord(context.verify.resolver) || typeof context.verify.resolver.resolve !== 'function') {
    throw new TypeError('context.verify.resolver must be a DID resolver');
  }
  if (!isRecord(context.replay) || typeof context.replay.remember !== 'function') throw new TypeError('context.replay must be a ReplayCache');
  if (context.maxAgeSeconds !== undefined && (typeof context.maxAgeSeconds !== 'number' || !(context.maxAgeSeconds >= 0))) {
    throw new RangeError('context.maxAgeSeconds must be a non-negative number');
  }
}
