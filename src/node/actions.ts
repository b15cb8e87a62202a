/**
 * @module node/actions
 *
 * The verifying side of signed actions (bound to `POST /actions`): the
 * action's signature, key binding to its session, replay and freshness; the
 * status of every credential in the chains behind the session (so a
 * revocation reaches sessions already issued, once the status cache
 * expires); a human approval when one is attached; then the decision
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
 * arithmetic, are `capability/usage`'s; this module reads and writes the
 * rows and logs the decision.
 */

import { isErrorCode, legateError, type ErrorCode } from '../errors/index.js';
import { verifyApproval } from '../action/approval.js';
import { verifySignedAction, type SignedActionVerification } from '../action/verify.js';
import type { SignedActionPayload } from '../action/types.js';
import { authorizeChains, type Charge, type CredentialChain } from '../capability/authorize-chain.js';
import type { AuthorizationRequest, Decision, DecisionReason } from '../capability/authorize.js';
import type { UsageQuery } from '../capability/constraints.js';
import { capabilityCovers } from '../capability/match.js';
import { amountOf, chargedKeys, spendOf, spendRecordOf, usageKeyOf, usageKeysFor, usageSince } from '../capability/usage.js';
import { errorsForCapability, verifyChain } from '../delegation/verify-chain.js';
import type { VerifyCredentialOptions } from '../credential/verify-jwt.js';
import type { ReplayCache } from '../handshake/replay-cache.js';
import { isRecord } from '../lib/assert.js';
import { decodeCompactJws } from '../lib/jws.js';
import { sessionAgent, sessionAttribution, type SessionClaims } from '../session/types.js';
import type { Store, UsageRecord } from '../store/types.js';
import { sessionChains } from './ace.js';
import { transactionView, type NodeContext } from './context.js';
import { storeReplayCache } from './replay.js';
import { verificationOptions } from './verify.js';
import { audit, auditRefusal } from './audit.js';
import { listApprovers } from './approvers.js';
import { usageExpiry } from './sweep.js';
import { forPeer, isNetworkDerived } from '../lib/peer-error.js';

/** Longest signed action accepted, in characters (it carries the session token and maybe an approval). */
export const MAX_ACTION_LENGTH = 128 * 1024;

export interface ActionDecision extends Decision {
  /** The action's hash, which an approval must name. */
  actionHash?: string;
  /** Who acted, for whom: the agent, then earlier actors out to the human owner. */
  attribution: string[];
  action: { iss: string; aud: string; jti: string; action: string; resource: string; scope?: string; params?: unknown };
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
  replay: ReplayCache;
}

/** The approval attached to an action, once checked. */
interface ApprovalOutcome {
  approved: boolean;
  approvedBy?: { approver: string; approval: string } | undefined;
  reasons: DecisionReason[];
}

const reasonOf = (e: { code: ErrorCode; message: string }, prefix = ''): DecisionReason => ({ code: e.code, message: `${prefix}${e.message}` });
const distinct = (reasons: readonly DecisionReason[]): DecisionReason[] => {
  const seen = new Set<string>();
  return reasons.filter((r) => !seen.has(r.code) && seen.add(r.code));
};

/**
 * Verifies and decides one signed action addressed to an agent of this node.
 * @throws LegateError for an action refused before any decision (bad
 * signature, wrong key, replay, stale, wrong audience, malformed).
 */
export async function handleAction(ctx: NodeContext, token: string, body?: Uint8Array): Promise<ActionDecision> {
  let payload: Record<string, unknown> = {};
  try {
    payload = decodeCompactJws(token, MAX_ACTION_LENGTH).payload;
    return await decide(ctx, token, payload, body);
  } catch (error) {
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    // What a fetch found (refused, timed out, garbage) is for the local log only; the peer gets a fixed error (lib/peer-error).
    const detail = isNetworkDerived(error) ? { details: { cause: (error as Error).message.slice(0, 256) } } : {};
    await auditRefusal(ctx, { type: 'action', agent: str(payload.iss), action: str(payload.action), resource: str(payload.resource), ...detail }, error);
    throw forPeer(error);
  }
}

async function decide(ctx: NodeContext, token: string, payload: Record<string, unknown>, body: Uint8Array | undefined): Promise<ActionDecision> {
  const action = await verifyAction(ctx, token, payload, body);
  const { claims, verified } = action;
  const summary = {
    ...{ iss: claims.iss, aud: claims.aud, jti: claims.jti, action: claims.action, resource: claims.resource },
    ...(claims.scope === undefined ? {} : { scope: claims.scope }),
    ...(claims.params === undefined ? {} : { params: claims.params }),
  };
  const base = { attribution: action.attribution, action: summary, ...(verified.hash === undefined ? {} : { actionHash: verified.hash }) };
  if (!verified.ok) return { ...(await refuseUncovered(ctx, action)), ...base };
  const options = verificationOptions(ctx);
  const { live, reasons } = await liveChains(ctx, action, options);
  const approval = await checkApproval(ctx, action, options);
  return { ...(await decideAndRecord(ctx, action, live, [...reasons, ...approval.reasons], approval)), ...base };
}

/**
 * The action, verified: addressed to an active agent of this node, signed
 * by its session's key, fresh, not replayed.
 * @throws LegateError for anything but a missing capability (that is a decision).
 */
async function verifyAction(ctx: NodeContext, token: string, payload: Record<string, unknown>, body: Uint8Array | undefined): Promise<Action> {
  const audience = typeof payload.aud === 'string' ? payload.aud : '';
  const agent = await ctx.store.getAgentByDid(audience);
  if (agent === undefined || agent.status !== 'active') {
    throw legateError('ERR_AUDIENCE', 'the action is not addressed to an active agent of this node', { claim: 'aud' });
  }
  const replay = storeReplayCache(ctx);
  const verified = await verifySignedAction(token, { resolver: ctx.resolver, audience, replay, clock: ctx.clock, ...(body === undefined ? {} : { body }) });
  const fatal = verified.errors.find((e) => e.code !== 'ERR_NOT_AUTHORIZED');
  const { claims, session } = verified;
  if (fatal !== undefined || claims === undefined || session === undefined) {
    throw fatal ?? verified.errors[0] ?? legateError('ERR_MALFORMED', 'the action could not be verified');
  }
  const request = { action: claims.action, resource: claims.resource, scope: claims.scope, amount: amountOf(claims.params) };
  return { token, claims, session, verified, attribution: sessionAttribution(session), request, audience, replay };
}

/** Logs one decision about `action` (through a transaction's context, to commit with it). */
async function logDecision(ctx: NodeContext, action: Action, d: Decision, charged: readonly Charge[] = [], approvedBy?: ApprovalOutcome['approvedBy']): Promise<void> {
  const { claims, session, attribution } = action;
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
  await logDecision(ctx, action, denied);
  return denied;
}

/**
 * The chains behind the session capabilities that cover this action,
 * re-checked (revocations after the handshake count), one verification per
 * credential however many capabilities it grants; and why the others failed.
 */
async function liveChains(ctx: NodeContext, action: Action, options: VerifyCredentialOptions): Promise<{ live: CredentialChain[]; reasons: DecisionReason[] }> {
  const stored = await sessionChains(ctx, action.session.jti);
  const live: CredentialChain[] = [];
  const reasons: DecisionReason[] = [];
  const seen = new Set<string>();
  for (const capability of action.session.capabilities) {
    if (!capabilityCovers(capability, action.request) || seen.has(capability.credential)) continue;
    seen.add(capability.credential);
    const tokens = stored?.[capability.credential];
    if (tokens === undefined) continue;
    const chain = await verifyChain(tokens, options);
    const errors = errorsForCapability(chain, capability);
    if (errors.length === 0 && chain.leaf?.id === capability.credential) live.push(chain.links.map((l) => l.credential));
    else reasons.push(...errors.map(forPeer).map((e) => reasonOf(e)));
  }
  return { live, reasons };
}

/** A human approval bound to this action's hash, from the owner (when the owner is a DID) or an approver this organization names. */
async function checkApproval(ctx: NodeContext, action: Action, options: VerifyCredentialOptions): Promise<ApprovalOutcome> {
  const { claims, verified, attribution } = action;
  if (claims.approval === undefined) return { approved: false, reasons: [] };
  const owner = attribution.at(-1);
  const approval = await verifyApproval(claims.approval, {
    ...options,
    expectedHash: verified.hash ?? '',
    approvers: [...(owner?.startsWith('did:') ? [owner] : []), ...(await listApprovers(ctx))],
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

/** Usage rows of every limit the candidate chains carry, read once inside the transaction. */
async function loadUsage(store: Store, keys: Map<string, string[]>, now: Date): Promise<Map<string, UsageRecord[]>> {
  const usage = new Map<string, UsageRecord[]>();
  for (const [key, periods] of keys) {
    const since = usageSince(periods, now);
    // A malformed period: the constraint check reports it as ERR_MALFORMED.
    if (since !== undefined) usage.set(key, await store.listUsage(key, since.toISOString()));
  }
  return usage;
}

/** The rows to write for an allowed action; each lives as long as the longest period that can still count it (node/sweep). */
function usageRows(charges: readonly Charge[], chains: readonly CredentialChain[], now: Date, action: Action): UsageRecord[] {
  const spent = spendRecordOf(action.request.amount);
  return chargedKeys(charges, chains).map(({ key, limits }) => {
    const expiresAt = usageExpiry(now, [limits]);
    return { key, at: now.toISOString(), ...spent, ...(expiresAt === undefined ? {} : { expiresAt }) };
  });
}

/**
 * Decides against the live chains with usage read, recorded and logged in
 * one transaction, so concurrent actions cannot overspend.
 */
async function decideAndRecord(ctx: NodeContext, action: Action, live: CredentialChain[], reasons: DecisionReason[], approval: ApprovalOutcome): Promise<Decision> {
  const keys = usageKeysFor(live, action.request);
  return ctx.store.transaction(async (store) => {
    const now = ctx.clock();
    const usage = await loadUsage(store, keys, now);
    const rows = (query: UsageQuery) => {
      const key = usageKeyOf(query);
      return key === undefined ? undefined : (usage.get(key) ?? []).filter((u) => u.at >= query.since.toISOString());
    };
    const { charges, ...result } = authorizeChains(action.request, live, {
      clock: () => now,
      verifier: action.audience,
      approved: approval.approved,
      recentCount: (query) => rows(query)?.length,
      spent: (query) => {
        const found = rows(query);
        return found === undefined || query.currency === undefined ? undefined : spendOf(found, query.currency);
      },
    });
    if (result.decision === 'allow') {
      for (const row of usageRows(charges, live, now, action)) await store.recordUsage(row);
    } else if (reasons.length > 0) {
      // Chain failures (revoked, untrusted…) explain a missing capability better than ERR_NOT_AUTHORIZED.
      result.reasons = distinct([...reasons, ...result.reasons.filter((r) => r.code !== 'ERR_NOT_AUTHORIZED' || live.length > 0)]);
    }
    // The decision, its usage and its audit entry commit together.
    await logDecision(transactionView(ctx, store), action, result, result.decision === 'allow' ? charges : [], approval.approvedBy);
    return result;
  });
}

/** The payload of a signed action, unverified (for `legate approve`). */
export function peekAction(token: string): Record<string, unknown> {
  return decodeCompactJws(token, MAX_ACTION_LENGTH).payload;
}
