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
 * summed exactly, as decimal strings (`sumDecimals`).
 */

import { InputError, isErrorCode, legateError } from '../errors/index.js';
import { verifyApproval } from '../action/approval.js';
import { verifySignedAction } from '../action/verify.js';
import { authorizeChains, type Charge, type CredentialChain } from '../capability/authorize-chain.js';
import type { AuthorizationRequest, Decision } from '../capability/authorize.js';
import { periodStart, type UsageQuery } from '../capability/constraints.js';
import { capabilityCovers } from '../capability/match.js';
import { sumDecimals } from '../capability/money.js';
import { issuerId, type Capability, type Constraints, type Money } from '../credential/types.js';
import { errorsForCapability, verifyChain } from '../delegation/verify-chain.js';
import type { ErrorCode } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import { decodeCompactJws } from '../lib/jws.js';
import { actorsOf, type SessionClaims } from '../session/types.js';
import type { Store, UsageRecord } from '../store/types.js';
import { sessionChains } from './ace.js';
import { withStore, type NodeContext } from './context.js';
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

function amountOf(params: unknown): Money | undefined {
  if (!isRecord(params) || params.amount === undefined) return undefined;
  const amount = params.amount;
  if (!isRecord(amount) || typeof amount.value !== 'number' || typeof amount.currency !== 'string') {
    throw new InputError('ERR_MALFORMED', 'params.amount must be { value, currency }', { claim: 'params.amount' });
  }
  return { value: amount.value, currency: amount.currency };
}

/**
 * Usage keys name a credential by issuer and id (ids are the issuer's
 * choice, so one issuer cannot spend from another's credential by reusing
 * an id), never by holder: every holder of a credential, and every
 * descendant of it, counts against the same rows. JSON keeps the parts
 * unambiguous whatever characters an id holds.
 */
const capabilityKey = (issuer: string, credential: string, c: Pick<Capability, 'action' | 'resource' | 'scope'>) =>
  JSON.stringify(['usage', issuer, credential, c.action, c.resource, c.scope ?? null]);
const credentialKey = (issuer: string, credential: string) => JSON.stringify(['usage', issuer, credential, '*']);

function periods(constraints: Constraints | undefined): string[] {
  return [constraints?.budget?.period, constraints?.rateLimit?.period].filter((p): p is string => p !== undefined);
}

/** The usage rows a chain decision may ask for, each with the limits that read it. */
function usageKeys(chains: readonly CredentialChain[], request: AuthorizationRequest): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  const add = (key: string, limits: Constraints | undefined) => {
    const found = periods(limits);
    if (found.length > 0) keys.set(key, [...(keys.get(key) ?? []), ...found]);
  };
  for (const credential of new Set(chains.flat())) {
    const issuer = issuerId(credential) ?? '';
    add(credentialKey(issuer, credential.id), credential.credentialSubject.constraints);
    for (const c of credential.credentialSubject.capabilities) {
      if (capabilityCovers(c, request)) add(capabilityKey(issuer, credential.id, c), c.constraints);
    }
  }
  return keys;
}

/** Usage rows of every limit the candidate chains carry, read once inside the transaction. */
async function loadUsage(store: Store, keys: Map<string, string[]>, now: Date): Promise<Map<string, UsageRecord[]>> {
  const usage = new Map<string, UsageRecord[]>();
  for (const [key, limits] of keys) {
    let since: number;
    try {
      since = Math.min(...limits.map((p) => periodStart(now, p).getTime()));
    } catch {
      continue; // A malformed period: the constraint check reports it as ERR_MALFORMED.
    }
    usage.set(key, await store.listUsage(key, new Date(since).toISOString()));
  }
  return usage;
}

function lookupKey(query: UsageQuery): string | undefined {
  if (query.credentialId === undefined || query.issuer === undefined) return undefined;
  if (query.level === 'credential') return credentialKey(query.issuer, query.credentialId);
  return query.capability === undefined ? undefined : capabilityKey(query.issuer, query.credentialId, query.capability);
}

/** The rows to write for an allowed action: one per limited capability and credential it is charged to. */
function usageRows(charges: readonly Charge[], chains: readonly CredentialChain[], now: Date, amount: Money | undefined): UsageRecord[] {
  const at = now.toISOString();
  const spent = amount === undefined ? {} : { amount: String(amount.value), currency: amount.currency };
  const byId = new Map(chains.flat().map((c) => [JSON.stringify([issuerId(c) ?? '', c.id]), c]));
  // Each row lives as long as the longest period that can still count it (node/sweep), then the sweeper takes it.
  const row = (key: string, limits: Constraints | undefined): UsageRecord => {
    const expiresAt = usageExpiry(now, [limits]);
    return { key, at, ...spent, ...(expiresAt === undefined ? {} : { expiresAt }) };
  };
  const rows: UsageRecord[] = [];
  for (const charge of charges) {
    const credential = byId.get(JSON.stringify([charge.issuer, charge.credentialId]));
    const own = charge.capability.constraints;
    const shared = credential?.credentialSubject.constraints;
    if (periods(own).length > 0) rows.push(row(capabilityKey(charge.issuer, charge.credentialId, charge.capability), own));
    if (periods(shared).length > 0) rows.push(row(credentialKey(charge.issuer, charge.credentialId), shared));
  }
  return rows;
}

/**
 * The handshake's reason for an intent it rejected that covers the action,
 * carried in the session token (issue #13 item 15): an action under a
 * capability refused as, say, `ERR_UNTRUSTED_ISSUER` is refused with that
 * code rather than a bare `ERR_NOT_AUTHORIZED`.
 */
function handshakeRejection(session: SessionClaims, request: AuthorizationRequest): { code: ErrorCode; message: string } | undefined {
  const rejected: unknown = (session as { rejected?: unknown }).rejected;
  if (!Array.isArray(rejected)) return undefined;
  for (const r of rejected.slice(0, 64)) {
    if (!isRecord(r) || typeof r.action !== 'string' || typeof r.resource !== 'string' || !isErrorCode(r.code)) continue;
    const scope = typeof r.scope === 'string' ? r.scope : undefined;
    if (capabilityCovers({ action: r.action, resource: r.resource, ...(scope === undefined ? {} : { scope }) }, request)) {
      return { code: r.code, message: `the handshake rejected ${r.action} ${r.resource}: ${r.code}` };
    }
  }
  return undefined;
}

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
  const audience = typeof payload.aud === 'string' ? payload.aud : '';
  const agent = await ctx.store.getAgentByDid(audience);
  if (agent === undefined || agent.status !== 'active') {
    throw legateError('ERR_AUDIENCE', 'the action is not addressed to an active agent of this node', { claim: 'aud' });
  }
  const replay = storeReplayCache(ctx);
  const verified = await verifySignedAction(token, { resolver: ctx.resolver, audience, replay, clock: ctx.clock, ...(body === undefined ? {} : { body }) });
  const fatal = verified.errors.find((e) => e.code !== 'ERR_NOT_AUTHORIZED');
  if (fatal !== undefined || verified.claims === undefined || verified.session === undefined) {
    throw fatal ?? verified.errors[0] ?? new InputError('ERR_MALFORMED', 'the action could not be verified');
  }
  const { claims, session } = verified;
  const summary = {
    iss: claims.iss,
    aud: claims.aud,
    jti: claims.jti,
    action: claims.action,
    resource: claims.resource,
    ...(claims.scope === undefined ? {} : { scope: claims.scope }),
    ...(claims.params === undefined ? {} : { params: claims.params }),
  };
  const attribution = [session.sub, ...actorsOf(session)];
  const base = { attribution, action: summary, ...(verified.hash === undefined ? {} : { actionHash: verified.hash }) };
  const amount = amountOf(claims.params);
  const request: AuthorizationRequest = { action: claims.action, resource: claims.resource, scope: claims.scope, amount };
  let approvedBy: { approver: string; approval: string } | undefined;
  const log = (target: NodeContext, d: Decision, charged: readonly Charge[] = []) =>
    audit(target, {
      type: 'action',
      decision: d.decision,
      action: claims.action,
      resource: claims.resource,
      agent: session.sub,
      owner: attribution.at(-1),
      chain: attribution,
      session: session.jti,
      // On allow, every credential the action was charged to, leaf first (its budget and each ancestor's).
      credentials: charged.length > 0 ? [...new Set(charged.map((c) => c.credentialId))].slice(0, 32) : d.credentialId === undefined ? undefined : [d.credentialId],
      reasons: [...new Set(d.reasons.map((r) => r.code))].slice(0, 32),
      signedAction: token,
      ...(approvedBy === undefined ? {} : approvedBy),
    });
  if (!verified.ok) {
    // An intent the handshake rejected names its reason (ERR_UNTRUSTED_ISSUER…), not ERR_NOT_AUTHORIZED.
    // Failures caused by a fetch reach the peer as one fixed error per kind (lib/peer-error).
    const rejection = handshakeRejection(session, request);
    const errors = verified.errors.map(forPeer).map((e) => (e.code === 'ERR_NOT_AUTHORIZED' && rejection !== undefined ? rejection : { code: e.code, message: e.message }));
    const denied: Decision = { decision: 'deny', reasons: errors };
    await log(ctx, denied);
    return { ...denied, ...base };
  }

  // The chains behind the session capabilities that cover this action, re-checked: revocations after the handshake count.
  const stored = await sessionChains(ctx, session.jti);
  const options = verificationOptions(ctx);
  const live: CredentialChain[] = [];
  const reasons: Decision['reasons'] = [];
  // One verification per credential's chain, however many capabilities it grants (they share the message's work budget).
  const seen = new Set<string>();
  for (const capability of session.capabilities) {
    if (!capabilityCovers(capability, request) || seen.has(capability.credential)) continue;
    seen.add(capability.credential);
    const tokens = stored?.[capability.credential];
    if (tokens === undefined) continue;
    const chain = await verifyChain(tokens, options);
    const errors = errorsForCapability(chain, capability);
    if (errors.length === 0 && chain.leaf?.id === capability.credential) live.push(chain.links.map((l) => l.credential));
    else reasons.push(...errors.map(forPeer).map((e) => ({ code: e.code, message: e.message })));
  }

  // A human approval bound to this action's hash, from the owner (when the owner is a DID).
  let approved = false;
  if (claims.approval !== undefined) {
    const owner = attribution.at(-1);
    const approval = await verifyApproval(claims.approval, {
      ...options,
      expectedHash: verified.hash ?? '',
      // The owner (when a DID can speak for them) and any approver this organization names.
      approvers: [...(owner?.startsWith('did:') ? [owner] : []), ...(await listApprovers(ctx))],
      audience,
      replay,
    });
    approved = approval.verified;
    if (approved && approval.issuer !== undefined && approval.credential !== undefined) {
      approvedBy = { approver: approval.issuer, approval: approval.credential.id };
    }
    // As for the chains: what a fetch found reaches the peer as one fixed error (lib/peer-error).
    if (!approved) reasons.push(...approval.errors.map(forPeer).map((e) => ({ code: e.code, message: `approval: ${e.message}` })));
  }

  const keys = usageKeys(live, request);
  const decision = await ctx.store.transaction(async (store) => {
    const now = ctx.clock();
    const usage = await loadUsage(store, keys, now);
    const rows = (query: UsageQuery) => {
      const key = lookupKey(query);
      return key === undefined ? undefined : (usage.get(key) ?? []).filter((u) => u.at >= query.since.toISOString());
    };
    const { charges, ...result } = authorizeChains(request, live, {
      clock: () => now,
      verifier: audience,
      approved,
      recentCount: (query) => rows(query)?.length,
      spent: (query) => {
        const list = rows(query);
        if (list === undefined || query.currency === undefined) return undefined;
        // Exact decimal sums: 0.1 + 0.2 spent meets a 0.3 budget, never exceeds it.
        return { value: sumDecimals(list.filter((u) => u.currency === query.currency).map((u) => u.amount ?? '0')), currency: query.currency };
      },
    });
    if (result.decision === 'allow') {
      for (const row of usageRows(charges, live, now, amount)) await store.recordUsage(row);
    }
    if (result.decision !== 'allow' && reasons.length > 0) {
      // Chain failures (revoked, untrusted…) explain a missing capability better than ERR_NOT_AUTHORIZED.
      const own = result.reasons.filter((r) => r.code !== 'ERR_NOT_AUTHORIZED' || live.length > 0);
      const distinct = new Set<string>();
      result.reasons = [...reasons, ...own].filter((r) => !distinct.has(r.code) && distinct.add(r.code));
    }
    // The decision, its usage and its audit entry commit together.
    await log(withStore(ctx, store), result, result.decision === 'allow' ? charges : []);
    return result;
  });
  return { ...decision, ...base };
}

/** The payload of a signed action, unverified (for `legate approve`). */
export function peekAction(token: string): Record<string, unknown> {
  return decodeCompactJws(token, MAX_ACTION_LENGTH).payload;
}
