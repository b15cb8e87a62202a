/**
 * @module handshake/confirm
 *
 * The optional third ACE message (DESIGN "Handshake (ACE) and sessions"):
 * A answers B's challenge and tells B which of B's presented capabilities it
 * trusts and which it rejects, with reason codes. B's side,
 * {@link handleConfirm}, checks that the confirm comes from A, answers B's
 * acknowledge and its challenge.
 */

import { legateError, type LegateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import { assertNonEmptyString, isRecord } from '../lib/assert.js';
import { epochSeconds, systemClock, type Clock } from '../lib/clock.js';
import { sameString } from '../lib/same-string.js';
import { assertVerifyContext, checkAceMessage, messageId, replayKey, senderOf, signAceMessage, type AceVerifyContext } from './message.js';
import { CONFIRM_SCHEMA_FILE, type AceMessage, type AcknowledgePayload, type ConfirmPayload, type Verdict } from './types.js';

export interface CreateConfirmOptions {
  /** A's agent key. */
  signer: Signer;
  /** B's DID. */
  audience: string;
  /** The id of B's acknowledge. */
  inReplyTo: string;
  /** B's challenge, from the acknowledge. */
  nonce: string;
  /** A's verdict on B's capabilities, as {@link handleAcknowledge} computed it. */
  verdict: Verdict;
  clock?: Clock;
}

/**
 * Signs a confirm.
 *
 * @throws InputError `ERR_SCHEMA` when the message would not match its schema.
 *
 * @example
 * ```ts
 * const confirm = await createConfirm({ signer: alice.signer, audience: bob.did,
 *   inReplyTo: ack.acknowledge.id, nonce: ack.acknowledge.challenge, verdict: ack.verdict });
 * ```
 */
export async function createConfirm(options: CreateConfirmOptions): Promise<AceMessage<ConfirmPayload>> {
  assertNonEmptyString(options.audience, 'audience');
  if (!isRecord(options.verdict) || !Array.isArray(options.verdict.trusted) || !Array.isArray(options.verdict.rejected)) {
    throw new TypeError('verdict must have trusted and rejected arrays');
  }
  const payload: ConfirmPayload = {
    type: 'confirm',
    id: messageId(options.clock),
    iss: senderOf(options.signer),
    aud: options.audience,
    iat: epochSeconds((options.clock ?? systemClock)()),
    inReplyTo: options.inReplyTo,
    nonce: options.nonce,
    verdict: { trusted: options.verdict.trusted.map((t) => ({ ...t })), rejected: options.verdict.rejected.map((r) => ({ ...r })) },
  };
  return signAceMessage(payload, options.signer, CONFIRM_SCHEMA_FILE);
}

/** What a confirm is checked against: the acknowledge's id, issuer (B), audience (A) and challenge. */
export type AcknowledgeAnswered = Pick<AcknowledgePayload, 'id' | 'iss' | 'aud' | 'challenge'>;

/** B's side: the acknowledge it sent. */
export interface ConfirmContext extends AceVerifyContext {
  /** The acknowledge this confirm must answer, as {@link handleAdvertise} returned it (or only its {@link AcknowledgeAnswered} members). */
  acknowledge: AcknowledgeAnswered;
}

export interface ConfirmHandling {
  ok: boolean;
  errors: LegateError[];
  confirm?: ConfirmPayload;
  /** A's verdict on B's capabilities. */
  verdict?: Verdict;
}

/**
 * B handles A's confirm: the common message checks (signature by an
 * authentication key of `iss`, `aud` = B, freshness, schema, replay), that it
 * comes from A, answers B's challenge (`ERR_NONCE`) and B's acknowledge.
 * Never throws for a bad message.
 *
 * @example
 * ```ts
 * const result = await handleConfirm(token, { acknowledge: ack.payload, verify: { resolver }, replay });
 * if (result.ok) audit(result.verdict);
 * ```
 */
export async function handleConfirm(token: string, context: ConfirmContext): Promise<ConfirmHandling> {
  assertVerifyContext(context);
  const ack: unknown = (context as { acknowledge?: unknown }).acknowledge;
  if (!isRecord(ack) || typeof ack.iss !== 'string' || typeof ack.aud !== 'string' || typeof ack.challenge !== 'string' || typeof ack.id !== 'string') {
    throw new TypeError('context.acknowledge must be the payload of the acknowledge sent');
  }
  const acknowledge = context.acknowledge;
  const checked = await checkAceMessage<ConfirmPayload>(
    token,
    {
      type: 'confirm',
      schemaFile: CONFIRM_SCHEMA_FILE,
      self: acknowledge.iss,
      replayKeys: (p) => [replayKey('ace:confirm', 'inReplyTo', p.inReplyTo as string)],
      // Trust before fetch: the signature last, so `iss` (any DID, a did:web names a host) is resolved only
      // once `extra` found it to be the party acknowledged, whose presentation was verified.
      beforeSignature: () => Promise.resolve([]),
      extra: (p) => {
        const errors: LegateError[] = [];
        if (p.iss !== acknowledge.aud) errors.push(legateError('ERR_KID_INVALID', 'the confirm comes from another party than the one acknowledged', { claim: 'iss' }));
        if (typeof p.nonce !== 'string' || !sameString(p.nonce, acknowledge.challenge)) errors.push(legateError('ERR_NONCE', 'the confirm does not answer the challenge', { claim: 'nonce' }));
        if (p.inReplyTo !== acknowledge.id) errors.push(legateError('ERR_NONCE', 'the confirm answers another acknowledge', { claim: 'inReplyTo' }));
        return errors;
      },
    },
    context,
  );
  if (checked.errors.length > 0 || checked.payload === undefined) return { ok: false, errors: checked.errors };
  return { ok: true, errors: [], confirm: checked.payload, verdict: checked.payload.verdict };
}
