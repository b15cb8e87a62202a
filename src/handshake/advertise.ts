/**
 * @module handshake/advertise
 *
 * The first ACE message (DESIGN "Handshake (ACE) and sessions"): A sends B
 * its presentation (addressed to B, answering A's own fresh nonce) and the
 * capabilities it intends to invoke. B's side, {@link handleAdvertise},
 * checks the message, A's presentation and its holder, decides intent by
 * intent, issues the session token and builds the acknowledge.
 */

import type { CapabilitySubject } from '../credential/types.js';
import type { ChainVerification } from '../delegation/verify-chain.js';
import { legateError, type LegateError } from '../errors/index.js';
import type { Signer } from '../keys/signer.js';
import { assertNonEmptyString, isRecord } from '../lib/assert.js';
import { epochSeconds, systemClock, type Clock } from '../lib/clock.js';
import { decodeCompactJws } from '../lib/jws.js';
import { createPresentation } from '../presentation/create.js';
import { resolvesOffline, verifyPresentation, type PresentationVerification } from '../presentation/verify.js';
import { issueSessionToken, type IssuedSession } from '../session/issue.js';
import { MAX_SESSION_CAPABILITIES, type SessionCapability } from '../session/types.js';
import { createAcknowledge } from './acknowledge.js';
import { evaluateIntents, presentationErrors, type CoveredIntent } from './evaluate.js';
import {
  assertVerifyContext,
  checkAceMessage,
  replayKey,
  DEFAULT_MAX_AGE_SECONDS,
  messageId,
  senderOf,
  signAceMessage,
  type AceVerifyContext,
} from './message.js';
import {
  ADVERTISE_SCHEMA_FILE,
  MAX_ACE_MESSAGE_LENGTH,
  MAX_INTENTS,
  type AceMessage,
  type AcknowledgePayload,
  type AdvertisePayload,
  type Intent,
  type RejectedCapability,
  type TrustedCapability,
} from './types.js';

export interface CreateAdvertiseOptions {
  /** A's agent key: signs the message; its DID is `iss`. */
  signer: Signer;
  /** B's DID. */
  audience: string;
  /** A's `vp+jwt`, addressed to B and answering `nonce` (see `createPresentation`). */
  presentation: string;
  /** A fresh challenge (see {@link createNonce}); B echoes it and answers it with its own presentation. */
  nonce: string;
  /** What A intends to invoke; 1 to 32 intents. */
  intents: readonly Intent[];
  clock?: Clock;
}

/**
 * Signs an advertise. Keep the returned payload: {@link handleAcknowledge}
 * checks the reply against it.
 *
 * @throws InputError `ERR_INPUT_TOO_LARGE` over 32 intents or an oversized
 * presentation, `ERR_SCHEMA` for a malformed intent, nonce or DID.
 *
 * @example
 * ```ts
 * const nonce = createNonce();
 * const presentation = await createPresentation({ signer: alice.signer, credentials, audience: bob.did, nonce });
 * const advertise = await createAdvertise({ signer: alice.signer, audience: bob.did, presentation, nonce,
 *   intents: [{ action: 'call', resource: 'billing:refund' }] });
 * send(advertise.token);
 * ```
 */
export async function createAdvertise(options: CreateAdvertiseOptions): Promise<AceMessage<AdvertisePayload>> {
  assertNonEmptyString(options.audience, 'audience');
  assertNonEmptyString(options.presentation, 'presentation');
  if (!Array.isArray(options.intents)) throw new TypeError('intents must be an array');
  if (options.intents.length > MAX_INTENTS) {
    throw legateError('ERR_INPUT_TOO_LARGE', `an advertise carries at most ${MAX_INTENTS} intents`, { claim: 'intents' });
  }
  if (options.presentation.length > MAX_ACE_MESSAGE_LENGTH) {
    throw legateError('ERR_INPUT_TOO_LARGE', `the presentation is longer than ${MAX_ACE_MESSAGE_LENGTH} characters`, { claim: 'presentation' });
  }
  const payload: AdvertisePayload = {
    type: 'advertise',
    id: messageId(options.clock),
    iss: senderOf(options.signer),
    aud: options.audience,
    iat: epochSeconds((options.clock ?? systemClock)()),
    nonce: options.nonce,
    presentation: options.presentation,
    intents: options.intents.map((intent: Intent): Intent => ({ ...intent })),
  };
  return signAceMessage(payload, options.signer, ADVERTISE_SCHEMA_FILE);
}

/** B's side of the handshake: its keys, its credentials, and how it verifies. */
export interface AdvertiseContext extends AceVerifyContext {
  /** B's agent key: the advertise must be addressed to its DID; it signs the acknowledge and B's presentation. */
  signer: Signer;
  /** B's capability credential JWTs, with their chains, presented to A (mutual verification). */
  credentials: readonly string[];
  /** Signs the session token: B's organization or agent key. Default `signer`. */
  sessionSigner?: Signer;
  /** Session lifetime in seconds; default 300. */
  sessionLifetimeSeconds?: number;
}

export interface AdvertiseHandling {
  /** True when the advertise was accepted and `acknowledge` is ready to send (even if every intent was rejected). */
  ok: boolean;
  /** Why the whole message was refused; empty when ok. */
  errors: LegateError[];
  advertise?: AdvertisePayload;
  /** A's presentation as verified, with its chains and attribution. */
  presentation?: PresentationVerification;
  trusted: TrustedCapability[];
  rejected: RejectedCapability[];
  /** The session token issued to A; absent when nothing was trusted. */
  session?: IssuedSession;
  /** The reply to send to A; keep its payload for {@link handleConfirm}. */
  acknowledge?: AceMessage<AcknowledgePayload>;
}

function assertAdvertiseContext(context: unknown): asserts context is AdvertiseContext {
  assertVerifyContext(context);
  const { signer, credentials } = context as unknown as Record<string, unknown>;
  if (!isRecord(signer) || typeof signer.sign !== 'function') throw new TypeError('context.signer must be a Signer');
  if (!Array.isArray(credentials)) throw new TypeError('context.credentials must be an array of credential JWTs');
}

/** The sender an advertise claims, unverified (undefined when it cannot be read): only to choose the order of checks. */
function senderClaim(token: string): string | undefined {
  try {
    const iss = decodeCompactJws(token, MAX_ACE_MESSAGE_LENGTH).payload.iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** The parties of a chain below the issuer (owner, agent, sub-agents): one session speaks for one such line. */
function actorLine(chain: ChainVerification): string {
  return JSON.stringify(chain.attribution.filter((a) => a.role !== 'issuer').map((a) => a.id));
}

function sessionCapability({ intent, capability, leaf }: CoveredIntent): SessionCapability {
  const shared: CapabilitySubject['constraints'] = leaf.credentialSubject.constraints;
  return {
    action: intent.action,
    resource: intent.resource,
    ...(intent.scope === undefined ? {} : { scope: intent.scope }),
    ...(capability.constraints === undefined ? {} : { constraints: capability.constraints }),
    ...(shared === undefined ? {} : { credentialConstraints: shared }),
    credential: leaf.id,
  };
}

/** The earliest end of validity of any link of a chain, in ms: a session never outlives its credentials. */
function chainEnd(chain: ChainVerification): number {
  const ends = chain.links.map((l) => (l.credential.validUntil === undefined ? Number.NaN : Date.parse(l.credential.validUntil)));
  return Math.min(...ends.filter((t) => !Number.isNaN(t)));
}

/**
 * B handles an advertise: verifies the message (signature by an
 * authentication key of `iss`, `aud` = B, freshness, schema, replay of its
 * id and nonce), A's presentation (addressed to B, answering the nonce,
 * held by `iss`), then decides each intent: trusted when a verified chain
 * covers it, else rejected with the most relevant reason from the chains
 * that would have covered it, or `ERR_NOT_AUTHORIZED`. It then issues a
 * session token for the trusted intents (bound to the key that signed the
 * advertise) and signs the acknowledge, with B's own presentation when
 * something was trusted (none otherwise: an untrusted peer sees no more of
 * B's credentials than the list of what it was refused).
 * Never throws for a bad message: everything is in `errors`.
 *
 * @throws TypeError for a malformed context; errors of B's own signing
 * (e.g. B has no credentials to present) propagate.
 *
 * @example
 * ```ts
 * const replay = new MemoryReplayCache();
 * const result = await handleAdvertise(token, { signer: bob.signer, credentials: [bobCredential],
 *   verify: { resolver, status }, replay });
 * if (result.ok) reply(result.acknowledge.token); else problem(result.errors);
 * ```
 */
export async function handleAdvertise(token: string, context: AdvertiseContext): Promise<AdvertiseHandling> {
  assertAdvertiseContext(context);
  const self = senderOf(context.signer);
  const refused = (errors: LegateError[], more: Partial<AdvertiseHandling> = {}): AdvertiseHandling => ({ ok: false, errors, trusted: [], rejected: [], ...more });

  const verifyOptions = (p: Record<string, unknown>) => ({
    ...context.verify,
    audience: self,
    nonce: p.nonce as string,
    maxAgeSeconds: context.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS,
  });
  // Trust before fetch: a sender whose DID needs the network is looked up only once its presentation shows
  // a chain from a trusted root naming it (did:key senders resolve offline and keep the usual order).
  let early: PresentationVerification | undefined;
  const vouchedFor = async (p: Record<string, unknown>): Promise<LegateError[]> => {
    early = await verifyPresentation(p.presentation as string, verifyOptions(p));
    if (early.holderSigned === true && early.holder === p.iss) return [];
    const refusal = presentationErrors(early);
    return refusal.length > 0
      ? refusal
      : early.errors.length > 0
        ? [...early.errors]
        : [legateError('ERR_HOLDER_BINDING', 'the presentation is held by another party than the sender', { claim: 'holder' })];
  };
  const sender = context.verify.trust === undefined ? undefined : senderClaim(token);
  const gated = context.verify.trust !== undefined && !(sender !== undefined && resolvesOffline(sender));
  const checked = await checkAceMessage<AdvertisePayload>(
    token,
    {
      type: 'advertise',
      schemaFile: ADVERTISE_SCHEMA_FILE,
      self,
      replayKeys: (p) => [replayKey('ace:advertise', 'nonce', p.iss as string, p.nonce as string)],
      ...(gated ? { beforeSignature: vouchedFor } : {}),
    },
    context,
  );
  if (checked.errors.length > 0 || checked.payload === undefined || checked.key === undefined) return refused(checked.errors);
  const advertise = checked.payload;

  const presentation = early ?? (await verifyPresentation(advertise.presentation, verifyOptions(advertise as unknown as Record<string, unknown>)));
  const errors = presentationErrors(presentation);
  if (presentation.holder !== undefined && presentation.holder !== advertise.iss) {
    errors.push(legateError('ERR_HOLDER_BINDING', 'the presentation is held by another party than the sender', { claim: 'holder' }));
  }
  if (errors.length > 0) return refused(errors, { advertise, presentation });

  const clock = context.verify.clock ?? systemClock;
  const { covered, rejected } = evaluateIntents(advertise.intents, presentation);
  // Credentials accepted within the clock skew may already be past their end: no session can rest on them.
  const now = clock().getTime();
  const live = covered.filter((c) => chainEnd(c.chain) > now + 1000);
  for (const c of covered.filter((x) => !live.includes(x))) {
    rejected.push({ ...c.entry, code: 'ERR_EXPIRED', reason: 'the granting credential expires before a session could start' });
  }
  // One session speaks for one line of actors (owner → agent → sub-agent): the first trusted intent's.
  const line = live[0] === undefined ? undefined : actorLine(live[0].chain);
  const inSession = live.filter((c) => actorLine(c.chain) === line);
  for (const c of live.filter((x) => actorLine(x.chain) !== line)) {
    rejected.push({
      ...c.entry,
      code: 'ERR_CHAIN_INVALID',
      reason: 'granted through another delegation line than the session’s; advertise it in a separate handshake',
    });
  }
  const end = Math.min(...inSession.map((c) => chainEnd(c.chain)));
  // Other credentials covering a trusted intent ride along (same line, still valid; they do not shorten the
  // session, and each action re-checks them), so an action one credential's limits refuse may use another's
  // (issue #13 item 14). Each is listed in `trusted` too, so the session's capabilities are exactly the
  // trusted ones, as every acknowledge check expects; the primaries come first.
  const alternatives = inSession.flatMap((c) => (c.alternatives ?? []).filter((a) => actorLine(a.chain) === line && chainEnd(a.chain) > now + 1000));
  const granted = [...inSession, ...alternatives].slice(0, Math.min(MAX_SESSION_CAPABILITIES, MAX_INTENTS));
  const trusted = granted.map((c) => c.entry);
  const session =
    inSession[0] === undefined
      ? undefined
      : await issueSessionToken({
          signer: context.sessionSigner ?? context.signer,
          subject: advertise.iss,
          audience: self,
          holderKey: checked.key,
          capabilities: granted.map(sessionCapability),
          // Remembered so an action under a rejected intent is refused with the handshake's reason.
          rejected: rejected.map(({ action, resource, scope, code }) => ({ action, resource, ...(scope === undefined ? {} : { scope }), code })),
          attribution: inSession[0].chain.attribution,
          ...(context.sessionLifetimeSeconds === undefined ? {} : { lifetimeSeconds: context.sessionLifetimeSeconds }),
          ...(Number.isFinite(end) ? { notAfter: new Date(end) } : {}),
          clock,
        });
  // B shows its credentials only to a peer it grants something (DESIGN "Handshake"; README "Security
  // model"): a stranger whose advertise earns nothing learns nothing of B's capabilities and chains.
  const ownPresentation =
    session === undefined
      ? undefined
      : await createPresentation({ signer: context.signer, credentials: context.credentials, audience: advertise.iss, nonce: advertise.nonce, clock });
  const acknowledge = await createAcknowledge({
    signer: context.signer,
    audience: advertise.iss,
    inReplyTo: advertise.id,
    nonce: advertise.nonce,
    trusted,
    rejected,
    ...(ownPresentation === undefined ? {} : { presentation: ownPresentation }),
    ...(session === undefined ? {} : { session: session.token }),
    clock,
  });
  return { ok: true, errors: [], advertise, presentation, trusted, rejected, ...(session === undefined ? {} : { session }), acknowledge };
}
