/**
 * @module node/ace
 *
 * The responding side of the ACE handshake, as a node runs it for its
 * agents (bound to `POST /ace`): an `advertise` addressed to one of this
 * node's agents is verified with the node's resolver, status checker and
 * trust registry; the agent answers with its own presentation and a session
 * token; a `confirm` is checked against the acknowledge it answers (sent on
 * its own here, or with the session's first action: node/confirm-carried).
 * The chains behind each session are kept so every later action re-checks
 * their status.
 *
 * Only an advertise that earns a session leaves rows behind: the session
 * (the chains behind it) and the acknowledge its confirm must answer, both
 * expiring with the session token and swept after (see `node/sweep`), in
 * one transaction with the message's one-time keys and its audit entry (a
 * confirm's keys commit with its entry too). An advertise in which nothing
 * was trusted leaves an audit line within the per-minute refusal limits
 * (`node/audit`) and its replay claim until its freshness window ends; a
 * refused message, the audit line only (it had no effect: a resend meets
 * the same refusal). A replay of a message already accepted is refused at
 * verification, by a read of its keys.
 *
 * A refusal caused by a failed fetch reaches the peer as one fixed error per
 * kind (lib/peer-error); its detail goes to the audit log only.
 */

import { isLegateError, legateError } from '../errors/index.js';
import { handleAdvertise, type AdvertiseHandling } from '../handshake/advertise.js';
import { handleConfirm, type AcknowledgeAnswered, type ConfirmHandling } from '../handshake/confirm.js';
import type { ConfirmPayload, Verdict } from '../handshake/types.js';
import { decodeCompactJws } from '../lib/jws.js';
import { rememberingSigner } from '../lib/signature-memo.js';
import type { AgentRecord, Store } from '../store/types.js';
import { forPeer, isNetworkDerived } from '../lib/peer-error.js';
import { REASON_CODE, traced, type SpanScope } from '../lib/trace.js';
import { inTransaction, type NodeContext } from './context.js';
import { heldCredentials } from './present.js';
import { claimHeld, heldReplayCache, type HeldReplayCache } from './replay.js';
import { verificationOptions } from './verify.js';
import { audit, auditRefusal, auditUnauthenticated } from './audit.js';
import { agentSigner } from './signers.js';

/** Longest ACE message accepted, in characters. */
export const MAX_ACE_MESSAGE_LENGTH = 256 * 1024;

export type AceOutcome =
  | { type: 'advertise'; handling: AdvertiseHandling; reply: string }
  | { type: 'confirm'; handling: ConfirmHandling };

/** The chains (credential JWTs) behind a session this node issued, by leaf credential id (kept by the node until the session expires). */
export function sessionChains(ctx: NodeContext, sessionId: string): Promise<Record<string, string[]> | undefined> {
  return ctx.services.exchange.sessionChains(sessionId);
}

async function responder(ctx: NodeContext, did: unknown) {
  const agent = typeof did === 'string' ? await ctx.services.agents.byDid(did) : undefined;
  if (agent === undefined || agent.status !== 'active') {
    throw legateError('ERR_AUDIENCE', 'the message is not addressed to an active agent of this node', { claim: 'aud' });
  }
  return agent;
}

/**
 * The credentials the responding agent presents back. The handshake is
 * mutual, so an agent that holds none cannot answer one: say so to the peer
 * as a refusal naming the fix, not as a bare "not found". Checked before the
 * advertise is verified, so a peer cannot make the node work for nothing.
 */
async function responderCredentials(ctx: NodeContext, agent: AgentRecord): Promise<string[]> {
  try {
    return await heldCredentials(ctx, agent);
  } catch (error) {
    if (!isLegateError(error, 'ERR_NOT_FOUND')) throw error;
    throw legateError(
      'ERR_NOT_AUTHORIZED',
      `the responding agent ${agent.did} holds no unexpired capability credential, so it cannot answer a handshake (each side presents its own); its organization issues one with \`legate cap issue ${agent.name} --action <a> --resource <r>\``,
      { claim: 'aud', reason: 'responder-holds-no-credential' },
    );
  }
}

/**
 * Handles one ACE message addressed to this node.
 * @throws LegateError with the first failed check's code when the message is refused as a whole.
 */
export function handleAceMessage(ctx: NodeContext, token: string): Promise<AceOutcome> {
  return traced('legate.handshake', {}, (span) => handleTraced(ctx, token, span));
}

async function handleTraced(ctx: NodeContext, token: string, span: SpanScope): Promise<AceOutcome> {
  let payload: Record<string, unknown> = {};
  try {
    payload = decodeCompactJws(token, MAX_ACE_MESSAGE_LENGTH).payload;
    // A DID throttled for failing to authenticate is refused before anything is verified or read (node/alerts).
    if (typeof payload.iss === 'string') ctx.services.alerts.admit(payload.iss);
    span.set({ 'legate.message_type': payload.type, 'legate.agent': payload.iss, 'legate.audience': payload.aud });
    // The message's keys are read at verification (a replay refused there) and claimed with what it leaves (record).
    const held = heldReplayCache({ store: ctx.store, clock: ctx.clock });
    const outcome = await handle(ctx, token, payload, held);
    await record(ctx, outcome, held);
    const denied = outcome.type === 'advertise' && outcome.handling.session === undefined;
    // Its signature verified but nothing it presented did: a failed authentication of that DID.
    if (denied && outcome.handling.advertise !== undefined) {
      ctx.services.alerts.observe({ kind: 'auth_failed', peer: outcome.handling.advertise.iss, agent: outcome.handling.advertise.aud });
    }
    span.set({ 'legate.decision': denied ? 'deny' : 'allow', [REASON_CODE]: denied ? outcome.handling.rejected[0]?.code : undefined });
    return outcome;
  } catch (error) {
    // A throttled peer costs nothing more, not even a refusal line.
    if (isLegateError(error, 'ERR_PEER_THROTTLED')) throw error;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    // What a fetch found (refused, timed out, garbage) is for the local log only; the peer gets a fixed error.
    const detail = isNetworkDerived(error) ? { details: { cause: (error as Error).message.slice(0, 256) } } : {};
    await auditRefusal(ctx, { type: 'handshake', action: str(payload.type) ?? 'message', agent: str(payload.iss), ...detail }, error);
    throw forPeer(error);
  }
}

/** A verdict as an audit entry's details: what was trusted, and what was rejected with its code, 32 of each at most. */
function verdictDetails(verdict: Pick<Verdict, 'trusted' | 'rejected'>): { trusted: string[]; rejected: string[] } {
  return {
    trusted: verdict.trusted.map((t) => `${t.action}:${t.resource}`).slice(0, 32),
    rejected: verdict.rejected.map((r) => `${r.action}:${r.resource} ${r.code}`).slice(0, 32),
  };
}

/** A confirm's audit entry: who confirmed, and its verdict on the capabilities this node's agent presented. */
export function auditConfirm(ctx: NodeContext, confirm: ConfirmPayload | undefined): Promise<void> {
  return audit(ctx, {
    type: 'handshake',
    decision: 'allow',
    action: 'confirm',
    ...(confirm === undefined ? {} : { agent: confirm.iss, details: verdictDetails(confirm.verdict) }),
  });
}

async function auditOutcome(ctx: NodeContext, outcome: AceOutcome): Promise<void> {
  if (outcome.type === 'confirm') {
    await auditConfirm(ctx, outcome.handling.confirm);
    return;
  }
  const { handling } = outcome;
  const chain = handling.presentation?.chains.find((c) => c.verified)?.attribution;
  const owner = chain?.find((a) => a.role === 'owner')?.id;
  // Nothing trusted: the sender is still a stranger, so its line counts against the refusal limits.
  await (handling.session === undefined ? auditUnauthenticated : audit)(ctx, {
    type: 'handshake',
    decision: handling.session === undefined ? 'deny' : 'allow',
    action: 'advertise',
    agent: handling.advertise?.iss,
    owner,
    chain: chain === undefined ? undefined : [...chain.filter((a) => a.role !== 'issuer' && a.role !== 'owner').map((a) => a.id).reverse(), ...(owner === undefined ? [] : [owner])],
    session: handling.session?.claims.jti,
    credentials: [...new Set(handling.trusted.map((t) => t.credential))].slice(0, 32),
    reasons: [...new Set(handling.rejected.map((r) => r.code))].slice(0, 32),
    details: verdictDetails(handling),
  });
}

/**
 * What a verified message leaves, committed once: its one-time keys (held
 * by verification, claimed here), an advertise's session and the
 * acknowledge its confirm answers, and the audit entry. Of a message and
 * its replay racing, the other's claim meets this one's and rolls back
 * (`ERR_REPLAY`). An advertise in which nothing was trusted claims its keys
 * and logs within the refusal limits, as a stranger's message.
 */
async function record(ctx: NodeContext, outcome: AceOutcome, held: HeldReplayCache): Promise<void> {
  const claim = (store: Store) => claimHeld(store, held, ctx.clock(), 'id');
  if (outcome.type === 'advertise' && outcome.handling.session === undefined) {
    await claim(ctx.store);
    await auditOutcome(ctx, outcome);
    return;
  }
  await inTransaction(ctx, async (tx) => {
    await claim(tx.store);
    const { session, presentation, acknowledge } = outcome.type === 'advertise' ? outcome.handling : {};
    if (session !== undefined && presentation !== undefined && acknowledge !== undefined) {
      const chains = Object.fromEntries(presentation.chains.filter((c) => c.leaf !== undefined).map((c) => [c.leaf!.id, c.links.map((l) => l.token)]));
      const expiresAt = new Date(session.claims.exp * 1000).toISOString();
      // Only what the confirm is checked against (handleConfirm): a few hundred bytes, not the whole acknowledge (about 4.6 KB with its session token).
      const { id, iss, aud, challenge } = acknowledge.payload;
      await tx.store.putSession({ id: session.claims.jti, chains, expiresAt });
      // A confirm only means something for a session; without one, nothing is kept to answer.
      await tx.store.putAcknowledge({ id, payload: JSON.stringify({ id, iss, aud, challenge }), expiresAt });
    }
    await auditOutcome(tx, outcome);
  });
}

/**
 * A confirm addressed to an active agent of this node, checked against the
 * acknowledge it answers; its one-time keys go to `replay`.
 * @throws LegateError `ERR_AUDIENCE`, `ERR_NOT_FOUND` (no such acknowledge), or the first failed check's code.
 */
export async function verifyConfirm(ctx: NodeContext, token: string, payload: Record<string, unknown>, replay: HeldReplayCache): Promise<ConfirmHandling> {
  await responder(ctx, payload.aud);
  const stored = typeof payload.inReplyTo === 'string' ? await ctx.store.getAcknowledge(payload.inReplyTo) : undefined;
  if (stored === undefined) throw legateError('ERR_NOT_FOUND', 'the confirm answers no acknowledge of this node that granted a session', { claim: 'inReplyTo' });
  // Rows written before hold the whole acknowledge; the members a confirm is checked against are in both.
  const handling = await handleConfirm(token, { acknowledge: JSON.parse(stored.payload) as AcknowledgeAnswered, verify: verificationOptions(ctx), replay });
  if (!handling.ok) throw handling.errors[0] ?? legateError('ERR_MALFORMED', 'confirm refused');
  return handling;
}

async function handle(ctx: NodeContext, token: string, payload: Record<string, unknown>, replay: HeldReplayCache): Promise<AceOutcome> {
  const verify = verificationOptions(ctx);
  if (payload.type === 'advertise') {
    const agent = await responder(ctx, payload.aud);
    const credentials = await responderCredentials(ctx, agent);
    const signer = await agentSigner(ctx, agent);
    const handling = await handleAdvertise(token, {
      signer,
      // The session token: verified again by this node at the session's first action, found valid then without the cryptography.
      sessionSigner: rememberingSigner(signer, ctx.signatureMemo),
      credentials,
      verify,
      replay,
      sessionLifetimeSeconds: ctx.sessionLifetimeSeconds,
    });
    if (!handling.ok || handling.acknowledge === undefined) throw handling.errors[0] ?? legateError('ERR_MALFORMED', 'advertise refused');
    return { type: 'advertise', handling, reply: handling.acknowledge.token };
  }
  if (payload.type === 'confirm') return { type: 'confirm', handling: await verifyConfirm(ctx, token, payload, replay) };
  throw legateError('ERR_MALFORMED', 'an ACE message to a node is an advertise or a confirm', { claim: 'type' });
}
