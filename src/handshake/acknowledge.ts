/**
 * @module handshake/acknowledge
 *
 * The second ACE message (DESIGN "Handshake (ACE) and sessions"): B answers
 * A's advertise with A's nonce echoed, the intents it trusts and rejects,
 * its own presentation (mutual verification), a session token and a fresh
 * challenge. A's side, {@link handleAcknowledge}, checks that the reply
 * answers its advertise, verifies B's presentation into a verdict on B's
 * capabilities, and checks that the session is for A and bound to A's key.
 */

import { legateError, type LegateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import { assertNonEmptyString, isRecord } from '../lib/assert.js';
import { encodeBase64url } from '../lib/base64url.js';
import { epochSeconds, systemClock, type Clock } from '../lib/clock.js';
import { sameString } from '../lib/same-string.js';
import { verifyPresentation, type PresentationVerification } from '../presentation/verify.js';
import { sessionAgent, type SessionClaims } from '../session/types.js';
import { verifySessionToken } from '../session/verify.js';
import { presentationErrors, verdictOf } from './evaluate.js';
import {
  assertVerifyContext,
  checkAceMessage,
  replayKey,
  createNonce,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_SKEW_SECONDS,
  messageId,
  senderOf,
  signAceMessage,
  type AceVerifyContext,
} from './message.js';
import {
  ACKNOWLEDGE_SCHEMA_FILE,
  type AceMessage,
  type AcknowledgePayload,
  type AdvertisePayload,
  type RejectedCapability,
  type TrustedCapability,
  type Verdict,
} from './types.js';

export interface CreateAcknowledgeOptions {
  /** B's agent key. */
  signer: Signer;
  /** A's DID. */
  audience: string;
  /** The id of A's advertise. */
  inReplyTo: string;
  /** A's nonce, echoed. */
  nonce: string;
  trusted: readonly TrustedCapability[];
  rejected: readonly RejectedCapability[];
  /** B's `vp+jwt`, addressed to A, answering A's nonce; omit (with `session`) when nothing is trusted. */
  presentation?: string;
  /** The session token; omit when nothing is trusted. */
  session?: string;
  /** B's challenge for the confirm; default a fresh nonce. */
  challenge?: string;
  clock?: Clock;
}

/**
 * Signs an acknowledge. {@link handleAdvertise} calls it; use it directly
 * only to build the reply yourself.
 *
 * @throws InputError `ERR_SCHEMA` when the message would not match its schema.
 *
 * @example
 * ```ts
 * const ack = await createAcknowledge({ signer: bob.signer, audience: alice.did, inReplyTo: advertise.id,
 *   nonce: advertise.nonce, trusted, rejected, presentation, session });
 * ```
 */
export async function createAcknowledge(options: CreateAcknowledgeOptions): Promise<AceMessage<AcknowledgePayload>> {
  assertNonEmptyString(options.audience, 'audience');
  const payload: AcknowledgePayload = {
    type: 'acknowledge',
    id: messageId(options.clock),
    iss: senderOf(options.signer),
    aud: options.audience,
    iat: epochSeconds((options.clock ?? systemClock)()),
    inReplyTo: options.inReplyTo,
    nonce: options.nonce,
    trusted: options.trusted.map((t) => ({ ...t })),
    rejected: options.rejected.map((r) => ({ ...r })),
    ...(options.presentation === undefined ? {} : { presentation: options.presentation }),
    ...(options.session === undefined ? {} : { session: options.session }),
    challenge: options.challenge ?? createNonce(),
  };
  return signAceMessage(payload, options.signer, ACKNOWLEDGE_SCHEMA_FILE);
}

/** A's side: its key and the advertise it sent. */
export interface AcknowledgeContext extends AceVerifyContext {
  /** A's agent key, which signed the advertise: the session must be bound to it. */
  signer: Signer;
  /** The advertise this acknowledge must answer, as {@link createAdvertise} returned it. */
  advertise: AdvertisePayload;
  /** DIDs A accepts as session issuers. Default: B and the controllers in B's DID document (its organization). */
  sessionIssuers?: readonly string[];
}

export interface AcknowledgeHandling {
  /** True when the acknowledge answers the advertise and everything in it verified. */
  ok: boolean;
  errors: LegateError[];
  acknowledge?: AcknowledgePayload;
  /** B's presentation as verified. */
  presentation?: PresentationVerification;
  /** B's answer on A's intents. */
  trusted: TrustedCapability[];
  rejected: RejectedCapability[];
  /** The session token, to send with every signed action. */
  session?: { token: string; claims: SessionClaims };
  /** A's verdict on the capabilities B presented, for {@link createConfirm}. */
  verdict: Verdict;
}

function assertAcknowledgeContext(context: unknown): asserts context is AcknowledgeContext {
  assertVerifyContext(context);
  const { signer, advertise } = context as unknown as Record<string, unknown>;
  if (!isRecord(signer) || typeof signer.sign !== 'function') throw new TypeError('context.signer must be a Signer');
  if (!isRecord(advertise) || typeof advertise.id !== 'string' || typeof advertise.nonce !== 'string' || typeof advertise.aud !== 'string') {
    throw new TypeError('context.advertise must be the payload of the advertise sent');
  }
}

/** B and the controllers its DID document names: who may sign B's session tokens by default. */
async function defaultSessionIssuers(b: string, context: AcknowledgeContext): Promise<string[]> {
  const { didDocument } = await context.verify.resolver.resolve(b);
  const controller: unknown = didDocument?.controller;
  const controllers = Array.isArray(controller) ? controller : [controller];
  return [b, ...controllers.filter((c): c is string => typeof c === 'string')];
}

function sameCapability(a: TrustedCapability, b: { action: string; resource: string; scope?: string | undefined; credential: string }): boolean {
  return a.action === b.action && a.resource === b.resource && a.scope === b.scope && a.credential === b.credential;
}

async function sessionErrors(
  ack: AcknowledgePayload,
  context: AcknowledgeContext,
): Promise<{ errors: LegateError[]; session?: { token: string; claims: SessionClaims } }> {
  if (ack.session === undefined) {
    return ack.trusted.length === 0
      ? { errors: [] }
      : { errors: [legateError('ERR_MALFORMED', 'capabilities were trusted but no session was issued', { claim: 'session' })] };
  }
  const result = await verifySessionToken(ack.session, {
    resolver: context.verify.resolver,
    audience: ack.iss,
    issuers: context.sessionIssuers ?? (await defaultSessionIssuers(ack.iss, context)),
    ...(context.verify.clock === undefined ? {} : { clock: context.verify.clock }),
    skewSeconds: context.verify.skewSeconds ?? DEFAULT_SKEW_SECONDS,
    // A's own memo keeps the session's decoding: A reads its `cnf` again for every action it signs under it.
    signatureMemo: context.verify.signatureMemo,
  });
  const errors: LegateError[] = result.errors.map(
    (e) => legateError(e.code, `session: ${e.message}`, { claim: `session.${e.claim ?? 'token'}`, reason: e.reason }),
  );
  const claims = result.claims;
  if (claims === undefined) return { errors };
  const { signer } = context;
  // The session is for A: its agent (current actor, `act.sub`); `sub` is the human owner A acts for.
  if (sessionAgent(claims) !== context.advertise.iss) {
    errors.push(legateError('ERR_HOLDER_BINDING', 'the session is for another agent', { claim: 'session.act' }));
  }
  if (claims.cnf.kid !== signer.kid || claims.cnf.jwk.x !== encodeBase64url(signer.publicKey)) {
    errors.push(legateError('ERR_KEY_BINDING', 'the session is not bound to the key that signed the advertise', { claim: 'session.cnf' }));
  }
  const matches = claims.capabilities.length === ack.trusted.length && ack.trusted.every((t) => claims.capabilities.some((c) => sameCapability(t, c)));
  if (!matches) errors.push(legateError('ERR_MALFORMED', 'the session capabilities differ from the trusted ones', { claim: 'session.capabilities' }));
  return { errors, session: { token: ack.session, claims } };
}

/**
 * A handles B's acknowledge: the common message checks (signature by an
 * authentication key of `iss`, `aud` = A, freshness, schema, replay), that
 * it comes from B, echoes A's nonce (`ERR_NONCE`) and answers A's advertise;
 * B's presentation (addressed to A, answering A's nonce, held by B), turned
 * into a verdict on B's capabilities; and the session token (issued by B or
 * its organization, `aud` = B, `sub` = A, `cnf` = A's key, the trusted
 * capabilities). Never throws for a bad message.
 *
 * @example
 * ```ts
 * const result = await handleAcknowledge(ackToken, { signer: alice.signer, advertise: advertise.payload,
 *   verify: { resolver }, replay });
 * if (result.ok) await createConfirm({ signer: alice.signer, audience: bob.did, inReplyTo: result.acknowledge.id,
 *   nonce: result.acknowledge.challenge, verdict: result.verdict });
 * ```
 */
export async function handleAcknowledge(token: string, context: AcknowledgeContext): Promise<AcknowledgeHandling> {
  assertAcknowledgeContext(context);
  const { advertise } = context;
  const self = senderOf(context.signer);
  if (self !== advertise.iss) throw new TypeError('context.signer must be the key that signed the advertise');
  const refused = (errors: LegateError[], more: Partial<AcknowledgeHandling> = {}): AcknowledgeHandling => ({
    ok: false,
    errors,
    trusted: [],
    rejected: [],
    verdict: { trusted: [], rejected: [] },
    ...more,
  });

  const checked = await checkAceMessage<AcknowledgePayload>(
    token,
    {
      type: 'acknowledge',
      schemaFile: ACKNOWLEDGE_SCHEMA_FILE,
      self,
      replayKeys: (p) => [replayKey('ace:acknowledge', 'inReplyTo', p.inReplyTo as string)],
      extra: (p) => {
        const errors: LegateError[] = [];
        if (p.iss !== advertise.aud) errors.push(legateError('ERR_KID_INVALID', 'the acknowledge comes from another party than the one advertised to', { claim: 'iss' }));
        if (typeof p.nonce !== 'string' || !sameString(p.nonce, advertise.nonce)) errors.push(legateError('ERR_NONCE', 'the acknowledge does not echo the advertised nonce', { claim: 'nonce' }));
        if (p.inReplyTo !== advertise.id) errors.push(legateError('ERR_NONCE', 'the acknowledge answers another advertise', { claim: 'inReplyTo' }));
        return errors;
      },
    },
    context,
  );
  if (checked.errors.length > 0 || checked.payload === undefined) return refused(checked.errors);
  const ack = checked.payload;
  if (ack.presentation === undefined) {
    // B trusted nothing, so it showed nothing: there is no verdict to make on B.
    const more = { acknowledge: ack, trusted: ack.trusted, rejected: ack.rejected };
    if (ack.trusted.length > 0 || ack.session !== undefined) {
      return refused([legateError('ERR_MALFORMED', 'an acknowledge that trusts something carries the responder’s presentation', { claim: 'presentation' })], more);
    }
    return { ok: true, errors: [], ...more, verdict: { trusted: [], rejected: [] } };
  }

  const presentation = await verifyPresentation(ack.presentation, {
    ...context.verify,
    audience: self,
    nonce: advertise.nonce,
    maxAgeSeconds: context.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS,
  });
  const errors = presentationErrors(presentation);
  if (presentation.holder !== undefined && presentation.holder !== ack.iss) {
    errors.push(legateError('ERR_HOLDER_BINDING', 'the presentation is held by another party than the sender', { claim: 'holder' }));
  }
  const session = await sessionErrors(ack, context);
  errors.push(...session.errors);
  const more = { acknowledge: ack, presentation, trusted: ack.trusted, rejected: ack.rejected };
  if (errors.length > 0) return refused(errors, more);
  return { ok: true, errors: [], ...more, ...(session.session === undefined ? {} : { session: session.session }), verdict: verdictOf(presentation) };
}
