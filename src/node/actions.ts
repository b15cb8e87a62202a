/**
 * @module node/actions
 *
 * The verifying side of signed actions (bound to `POST /actions`): the
 * action's signature, key binding to its session, replay (its `jti` claimed
 * in the transaction that records the decision, so an action commits once)
 * and freshness; the status of every credential in the chains behind the
 * session (so a revocation reaches sessions already issued, once the status
 * cache expires); a human approval when one is attached; then the decision
 * (`allow`, `deny`, `approval_required`) against the covering capability's
 * constraints, with budget spend and rate counts read and recorded in one
 * store transaction so concurrent actions cannot overspend.
 *
 * Budgets and rate limits bind delegation trees (issue #13 item 1): usage is
 * keyed by credential (its issuer and id), not by the agent holding it, and
 * an action under a delegated credential is checked against, and recorded
 * for, its leaf and every ancestor of its chain (`authorizeChains`). So a
 * credential's usage is the sum over its whole subtree, whoever holds the
 * children, and a tree never spends more than its root allows. Spend is
 * summed exactly, as decimal strings. Those rules, and the money
 * arithmetic, are `capability/usage`'s; `node/decide` reads and writes the
 * rows (the same engine decides AuthZEN evaluations); this module logs the
 * decision.
 */

import { isErrorCode, isLegateError, legateError } from '../errors/index.js';
import { verifyApproval } from '../action/approval.js';
import { verifyDecodedSignedAction, type SignedActionVerification } from '../action/verify.js';
import type { SignedActionPayload } from '../action/types.js';
import type { Charge, CredentialChain } from '../capability/authorize-chain.js';
import { verifyApproverCredential } from '../action/approver-credential.js';
import { issuerId } from '../credential/types.js';
import type { AuthorizationRequest, Decision, DecisionReason } from '../capability/authorize.js';
import { capabilityCovers } from '../capability/match.js';
import { amountOf } from '../capability/usage.js';
import type { VerifyCredentialOptions } from '../credential/verify-jwt.js';
import type { ReplayCache } from '../handshake/replay-cache.js';
import { isRecord } from '../lib/assert.js';
import { decodeCompactJws, type DecodedJws } from '../lib/jws.js';
import { sessionAgent, sessionAttribution, type SessionClaims } from '../session/types.js';
import type { Store } from '../store/types.js';
import { sessionChains } from './ace.js';
import { inTransaction, type NodeContext } from './context.js';
import { decideAndRecord, liveChains, reasonOf, type ApprovalOutcome } from './decide.js';
import { claimHeld, heldReplayCache, storeReplayCache, type HeldReplayCache } from './replay.js';
import { verificationOptions } from './verify.js';
import { audit, auditRefusal } from './audit.js';
import { checkCarriedConfirm, recordCarriedConfirm, type CarriedConfirm } from './confirm-carried.js';
import { listApprovers } from './approvers.js';
import { forPeer, isNetworkDerived } from '../lib/peer-error.js';
import { REASON_CODE, traced, type SpanScope } from '../lib/trace.js';

/** Longest signed action accepted, in characters (it carries the session token and maybe an approval). */
export const MAX_ACTION_LENGTH = 128 * 1024;

export interface ActionDecision extends Decision {
  /** The action's hash, which an approval must name. */
  actionHash?: string;
  /** Who acted, for whom: the agent, then earlier actors out to the human owner. */
  attribution: string[];
  action: { iss: string; aud: string; jti: string; action: string; resource: string; scope?: string; params?: unknown };
  /** With `approval_required`: the hash to approve, and in words whose approval this verifier accepts. */
  approvalRequest?: { actionHash: string; verifier: string; accepts: string[] };
}

/** A verified action and who stands behind it: what every later step reads. */
interface Action {
  token: string;
  claims: SignedActionPayload;
  session: SessionClaims;
  verified: SignedActionVerification;
  /** The agent, then earlier actors out to the owner. */
  attribution: string[];
  request: AuthorizationRequest;
  audience: string;
  /** Where an approval's single-use claim is made. */
  replay: ReplayCache;
  /** The action's `jti`, held by verification, claimed with the decision. */
  held: HeldReplayCache;
  /** The handshake's confirm, when the action carried it: recorded with the decision (node/confirm-carried). */
  confirm?: CarriedConfirm;
}

export interface HandleActionOptions {
  /** The action's body, when it names one by hash. */
  body?: Uint8Array;
  /** The confirm of the handshake that opened the action's session, sent with its first action (node/confirm-carried). */
  confirm?: string;
}

/**
 * Verifies and decides one signed action addressed to an agent of this node.
 * @throws LegateError for an action refused before any decision (bad
 * signature, wrong key, replay, stale, wrong audience, malformed).
 */
export function handleAction(ctx: NodeContext, token: string, options: HandleActionOptions = {}): Promise<ActionDecision> {
  return traced('legate.action', {}, (span) => handleTraced(ctx, token, options, span));
}

async function handleTraced(ctx: NodeContext, token: string, options: HandleActionOptions, span: SpanScope): Promise<ActionDecision> {
  let payload: Record<string, unknown> = {};
  try {
    // Decoded once: read here for who sent it, then verified as it is (verifyDecodedSignedAction).
    const decoded = decodeCompactJws(token, MAX_ACTION_LENGTH);
    payload = decoded.payload;
    // A DID throttled for failing to authenticate is refused before anything is verified or read (node/alerts).
    if (typeof payload.iss === 'string') ctx.services.alerts.admit(payload.iss);
    span.set({ 'legate.agent': payload.iss, 'legate.audience': payload.aud, 'legate.action': payload.action });
    const decision = await decide(ctx, token, decoded, options);
    span.set({ 'legate.decision': decision.decision, [REASON_CODE]: decision.reasons[0]?.code });
    const { action, resource, scope } = decision.action;
    ctx.services.alerts.observe({ kind: decision.decision, agent: decision.attribution[0] ?? decision.action.iss, peer: decision.action.iss, capability: { action, resource, scope } });
    return decision;
  } catch (error) {
    // A throttled peer costs nothing more, not even a refusal line.
    if (isLegateError(error, 'ERR_PEER_THROTTLED')) throw error;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    // What a fetch found (refused, timed out, garbage) is for the local log only; the peer gets a fixed error (lib/peer-error).
    const detail = isNetworkDerived(error) ? { details: { cause: (error as Error).message.slice(0, 256) } } : {};
    await auditRefusal(ctx, { type: 'action', agent: str(payload.iss), action: str(payload.action), resource: str(payload.resource), ...detail }, error);
    throw forPeer(error);
  }
}

async function decide(ctx: NodeContext, token: string, decoded: DecodedJws, sent: HandleActionOptions): Promise<ActionDecision> {
  const action = await verifyAction(ctx, token, decoded, sent.body);
  const { claims, verified } = action;
  if (sent.confirm !== undefined) action.confirm = await checkCarriedConfirm(ctx, sent.confirm, claims.iss);
  const summary = {
    ...{ iss: claims.iss, aud: claims.aud, jti: claims.jti, action: claims.action, resource: claims.resource },
    ...(claims.scope === undefined ? {} : { scope: claims.scope }),
    ...(claims.params === undefined ? {} : { params: claims.params }),
  };
  const base = { attribution: action.attribution, action: summary, ...(verified.hash === undefined ? {} : { actionHash: verified.hash }) };
  if (!verified.ok) return { ...(await refuseUncovered(ctx, action)), ...base };
  const options = verificationOptions(ctx);
  const chains = await sessionChains(ctx, action.session.jti);
  const { live, reasons } = await liveChains({ capabilities: action.session.capabilities, chains, request: action.request }, options);
  const approval = await checkApproval(ctx, action, options, live);
  const log = (tx: NodeContext, d: Decision, charged: readonly Charge[]) => logDecision(tx, action, d, charged, approval.approvedBy);
  const before = (tx: Store) => claimHeld(tx, action.held, ctx.clock(), 'jti');
  const input = { request: action.request, live, reasons: [...reasons, ...approval.reasons], verifier: action.audience, approval, log, before };
  const decision: ActionDecision = { ...(await decideAndRecord(ctx, input)), ...base };
  // What a human must approve, and whose approval counts here: the agent's node puts it in its inbox. Nothing is kept here.
  if (decision.decision === 'approval_required' && verified.hash !== undefined) decision.approvalRequest = approvalRequestOf(ctx, action, verified.hash);
  return decision;
}

/** The approval request a verifier returns with `approval_required` (#18). */
function approvalRequestOf(ctx: NodeContext, action: Action, hash: string): NonNullable<ActionDecision['approvalRequest']> {
  const owner = action.attribution.at(-1);
  const accepts = [
    ...(owner?.startsWith('did:') ? [`the agent's owner, ${owner}`] : []),
    "an approver the agent's organization attests (an ApproverCredential), when this verifier trusts that organization for the action",
    `an approver ${ctx.organization.did} names (legate approver add)`,
  ];
  return { actionHash: hash, verifier: ctx.organization.did, accepts };
}

/**
 * The action, verified: addressed to an active agent of this node, signed
 * by its session's key, fresh, not replayed.
 * @throws LegateError for anything but a missing capability (that is a decision).
 */
async function verifyAction(ctx: NodeContext, token: string, decoded: DecodedJws, body: Uint8Array | undefined): Promise<Action> {
  const { aud } = decoded.payload;
  const audience = typeof aud === 'string' ? aud : '';
  const agent = await ctx.services.agents.byDid(audience);
  if (agent === undefined || agent.status !== 'active') {
    throw legateError('ERR_AUDIENCE', 'the action is not addressed to an active agent of this node', { claim: 'aud' });
  }
  // The jti is claimed in the decision's transaction (claimHeld), so an action commits once; a replay of one already
  // decided is refused here (read), one racing it when its claim meets the first's.
  const held = heldReplayCache({ store: ctx.store, clock: ctx.clock });
  const verified = await verifyDecodedSignedAction(token, decoded, { resolver: ctx.resolver, audience, replay: held, clock: ctx.clock, signatureMemo: ctx.signatureMemo, ...(body === undefined ? {} : { body }) });
  const fatal = verified.errors.find((e) => e.code !== 'ERR_NOT_AUTHORIZED');
  const { claims, session } = verified;
  if (fatal !== undefined || claims === undefined || session === undefined) {
    throw fatal ?? verified.errors[0] ?? legateError('ERR_MALFORMED', 'the action could not be verified');
  }
  const request = { action: claims.action, resource: claims.resource, scope: claims.scope, amount: amountOf(claims.params) };
  return { token, claims, session, verified, attribution: sessionAttribution(session), request, audience, replay: storeReplayCache(ctx), held };
}

/** Logs one decision about `action` (through a transaction's context, to commit with it). */
async function logDecision(ctx: NodeContext, action: Action, d: Decision, charged: readonly Charge[] = [], approvedBy?: ApprovalOutcome['approvedBy']): Promise<void> {
  const { claims, session, attribution } = action;
  // The handshake's confirm, when the action carried it, goes just before the action in the log.
  if (action.confirm !== undefined) await recordCarriedConfirm(ctx, action.confirm);
  // On allow, every credential the action was charged to, leaf first (its budget and each ancestor's).
  const credentials = charged.length > 0 ? [...new Set(charged.map((c) => c.credentialId))].slice(0, 32) : d.credentialId === undefined ? undefined : [d.credentialId];
  await audit(ctx, {
    type: 'action',
    decision: d.decision,
    action: claims.action,
    resource: claims.resource,
    agent: sessionAgent(session),
    owner: attribution.at(-1),
    chain: attribution,
    session: session.jti,
    credentials,
    reasons: [...new Set(d.reasons.map((r) => r.code))].slice(0, 32),
    signedAction: action.token,
    ...(approvedBy ?? {}),
  });
}

/**
 * The handshake's reason for an intent it rejected that covers the action,
 * carried in the session token (issue #13 item 15): an action under a
 * capability refused as, say, `ERR_UNTRUSTED_ISSUER` is refused with that
 * code rather than a bare `ERR_NOT_AUTHORIZED`. Only codes Legate knows count.
 */
function handshakeRejection(session: SessionClaims, request: AuthorizationRequest): DecisionReason | undefined {
  const rejected: unknown = session.rejected;
  if (!Array.isArray(rejected)) return undefined;
  for (const r of rejected.slice(0, 64)) {
    if (!isRecord(r) || typeof r.action !== 'string' || typeof r.resource !== 'string' || typeof r.code !== 'string' || !isErrorCode(r.code)) continue;
    const scope = typeof r.scope === 'string' ? r.scope : undefined;
    if (capabilityCovers({ action: r.action, resource: r.resource, ...(scope === undefined ? {} : { scope }) }, request)) {
      return { code: r.code, message: `the handshake rejected ${r.action} ${r.resource}: ${r.code}` };
    }
  }
  return undefined;
}

/** No session capability covers the action: deny, naming the handshake's reason when it rejected one that does. */
async function refuseUncovered(ctx: NodeContext, action: Action): Promise<Decision> {
  const rejection = handshakeRejection(action.session, action.request);
  // Failures caused by a fetch reach the peer as one fixed error per kind (lib/peer-error).
  const reasons = action.verified.errors.map(forPeer).map((e) => (e.code === 'ERR_NOT_AUTHORIZED' && rejection !== undefined ? rejection : reasonOf(e)));
  const denied: Decision = { decision: 'deny', reasons };
  // An authentic action burns its jti, decided or refused: claimed with the entry that logs it.
  await inTransaction(ctx, async (tx) => {
    await claimHeld(tx.store, action.held, tx.clock(), 'jti');
    await logDecision(tx, action, denied);
  });
  return denied;
}

/** A human approval bound to this action's hash, from the owner (when the owner is a DID) or an approver this organization names. */
async function checkApproval(ctx: NodeContext, action: Action, options: VerifyCredentialOptions, live: readonly CredentialChain[]): Promise<ApprovalOutcome> {
  const { claims, verified, attribution } = action;
  if (claims.approval === undefined) return { approved: false, reasons: [] };
  const owner = attribution.at(-1);
  const named = [...(owner?.startsWith('did:') ? [owner] : []), ...(await listApprovers(ctx))];
  const attested = await attestedApprover(claims.approverCredential, live, options);
  if (attested.reasons.length > 0) return { approved: false, reasons: attested.reasons };
  const approval = await verifyApproval(claims.approval, {
    ...options,
    expectedHash: verified.hash ?? '',
    approvers: attested.approver === undefined ? named : [...named, attested.approver],
    audience: action.audience,
    replay: action.replay,
  });
  if (!approval.verified) {
    // As for the chains: what a fetch found reaches the peer as one fixed error (lib/peer-error).
    return { approved: false, reasons: approval.errors.map(forPeer).map((e) => reasonOf(e, 'approval: ')) };
  }
  const approvedBy = approval.issuer !== undefined && approval.credential !== undefined ? { approver: approval.issuer, approval: approval.credential.id } : undefined;
  return { approved: true, approvedBy, reasons: [] };
}

/**
 * The approver an ApproverCredential attests (#18), when it comes from the
 * organization at the root of a chain the decision found live (the chains
 * the registry trusts for this very action): decided on its stated issuer
 * before anything is resolved, so an attestation by anyone else costs no
 * fetch. No credential: nothing attested, nothing refused.
 */
async function attestedApprover(jwt: string | undefined, live: readonly CredentialChain[], options: VerifyCredentialOptions): Promise<{ approver?: string; reasons: DecisionReason[] }> {
  if (jwt === undefined) return { reasons: [] };
  const organizations = [...new Set(live.map((chain) => (chain[0] === undefined ? undefined : issuerId(chain[0]))).filter((d): d is string => d !== undefined))];
  const result = await verifyApproverCredential(jwt, { ...options, organizations });
  if (!result.verified) return { reasons: result.errors.map(forPeer).map((e) => reasonOf(e, 'approver: ')) };
  return { ...(result.approver === undefined ? {} : { approver: result.approver }), reasons: [] };
}

/** The payload of a signed action, unverified (for `legate approve`). */
export function peekAction(token: string): Record<string, unknown> {
  return decodeCompactJws(token, MAX_ACTION_LENGTH).payload;
}
