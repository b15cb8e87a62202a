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
 */

import { InputError } from '../errors/index.js';
import { verifyApproval } from '../action/approval.js';
import { verifySignedAction } from '../action/verify.js';
import { authorize, type Decision } from '../capability/authorize.js';
import { periodStart, type UsageQuery } from '../capability/constraints.js';
import type { AgentCapabilityCredential, Constraints, Money } from '../credential/types.js';
import { errorsForCapability, verifyChain } from '../delegation/verify-chain.js';
import { isRecord } from '../lib/assert.js';
import { decodeCompactJws } from '../lib/jws.js';
import { actorsOf, type SessionCapability, type SessionClaims } from '../session/types.js';
import type { Store, UsageRecord } from '../store/types.js';
import { sessionChains } from './ace.js';
import { withStore, type NodeContext } from './context.js';
import { storeReplayCache } from './replay.js';
import { verificationOptions } from './verify.js';
import { audit, auditRefusal } from './audit.js';
import { listApprovers } from './approvers.js';

/** Longest signed action accepted, in characters (it carries the session token and maybe an approval). */
export const MAX_ACTION_LENGTH = 128 * 1024;

export interface ActionDecision extends Decision {
  /** The action's hash, which an approval must name. */
  actionHash?: string;
  /** Who acted, for whom: the agent, then earlier actors out to the human owner. */
  attribution: string[];
  action: { iss: string; aud: string; jti: string; action: string; resource: string; scope?: string; params?: unknown };
}

const EPOCH = '1970-01-01T00:00:00Z';

function amountOf(params: unknown): Money | undefined {
  if (!isRecord(params) || params.amount === undefined) return undefined;
  const amount = params.amount;
  if (!isRecord(amount) || typeof amount.value !== 'number' || typeof amount.currency !== 'string') {
    throw new InputError('ERR_MALFORMED', 'params.amount must be { value, currency }', { claim: 'params.amount' });
  }
  return { value: amount.value, currency: amount.currency };
}

const capabilityKey = (sub: string, credential: string, c: { action: string; resource: string; scope?: string | undefined }) =>
  `${sub}|${credential}|${c.action}:${c.resource}${c.scope === undefined ? '' : `#${c.scope}`}`;
const credentialKey = (sub: string, credential: string) => `${sub}|${credential}|*`;

function periods(constraints: Constraints | undefined): string[] {
  return [constraints?.budget?.period, constraints?.rateLimit?.period].filter((p): p is string => p !== undefined);
}

/** Usage rows of every limit the session's capabilities carry, read once inside the transaction. */
async function loadUsage(store: Store, session: SessionClaims, now: Date): Promise<Map<string, UsageRecord[]>> {
  const usage = new Map<string, UsageRecord[]>();
  for (const c of session.capabilities) {
    for (const [key, limits] of [
      [capabilityKey(session.sub, c.credential, c), c.constraints],
      [credentialKey(session.sub, c.credential), c.credentialConstraints],
    ] as const) {
      const starts = periods(limits).map((p) => periodStart(now, p).getTime());
      if (starts.length === 0 || usage.has(key)) continue;
      usage.set(key, await store.listUsage(key, new Date(Math.min(...starts)).toISOString()));
    }
  }
  return usage;
}

function lookupKey(session: SessionClaims, query: UsageQuery): string | undefined {
  if (query.credentialId === undefined) return undefined;
  if (query.level === 'credential') return credentialKey(session.sub, query.credentialId);
  return query.capability === undefined ? undefined : capabilityKey(session.sub, query.credentialId, query.capability);
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
    await auditRefusal(ctx, { type: 'action', agent: str(payload.iss), action: str(payload.action), resource: str(payload.resource) }, error);
    throw error;
  }
}

async function decide(ctx: NodeContext, token: string, payload: Record<string, unknown>, body: Uint8Array | undefined): Promise<ActionDecision> {
  const audience = typeof payload.aud === 'string' ? payload.aud : '';
  const agent = await ctx.store.getAgentByDid(audience);
  if (agent === undefined || agent.status !== 'active') {
    throw new InputError('ERR_AUDIENCE', 'the action is not addressed to an active agent of this node', { claim: 'aud' });
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
  const log = (target: NodeContext, d: Decision) =>
    audit(target, {
      type: 'action',
      decision: d.decision,
      action: claims.action,
      resource: claims.resource,
      agent: session.sub,
      owner: attribution.at(-1),
      chain: attribution,
      session: session.jti,
      credentials: d.credentialId === undefined ? undefined : [d.credentialId],
      reasons: [...new Set(d.reasons.map((r) => r.code))].slice(0, 32),
      signedAction: token,
    });
  if (!verified.ok) {
    const denied: Decision = { decision: 'deny', reasons: verified.errors.map((e) => ({ code: e.code, message: e.message })) };
    await log(ctx, denied);
    return { ...denied, ...base };
  }

  // Re-check the chains behind the session: revocations after the handshake count.
  const chains = await sessionChains(ctx, session.jti);
  const options = verificationOptions(ctx);
  const live: SessionCapability[] = [];
  const reasons: Decision['reasons'] = [];
  // One verification per chain, however many of the session's capabilities it grants (they share the message's work budget).
  const chainChecks = new Map<string, ReturnType<typeof verifyChain>>();
  for (const capability of session.capabilities) {
    const chain = chains?.[capability.credential];
    if (chain === undefined) continue;
    if (!chainChecks.has(capability.credential)) chainChecks.set(capability.credential, verifyChain(chain, options));
    const errors = errorsForCapability(await chainChecks.get(capability.credential)!, capability);
    if (errors.length === 0) live.push(capability);
    else reasons.push(...errors.map((e) => ({ code: e.code, message: e.message })));
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
    if (!approved) reasons.push(...approval.errors.map((e) => ({ code: e.code, message: `approval: ${e.message}` })));
  }

  const amount = amountOf(claims.params);
  const sources = live.map(
    ({ credential, credentialConstraints, ...capability }) =>
      ({
        id: credential,
        validFrom: EPOCH,
        credentialSubject: { id: session.sub, owner: attribution.at(-1) ?? session.sub, capabilities: [capability], ...(credentialConstraints === undefined ? {} : { constraints: credentialConstraints }) },
      }) as unknown as AgentCapabilityCredential,
  );
  const decision = await ctx.store.transaction(async (store) => {
    const now = ctx.clock();
    const usage = await loadUsage(store, session, now);
    const rows = (query: UsageQuery) => {
      const key = lookupKey(session, query);
      return key === undefined ? undefined : (usage.get(key) ?? []).filter((u) => u.at >= query.since.toISOString());
    };
    const result = authorize({ action: claims.action, resource: claims.resource, scope: claims.scope, amount }, sources, {
      clock: () => now,
      verifier: audience,
      approved,
      recentCount: (query) => rows(query)?.length,
      spent: (query) => {
        const list = rows(query);
        if (list === undefined || query.currency === undefined) return undefined;
        const total = list.filter((u) => u.currency === query.currency).reduce((sum, u) => sum + Number(u.amount ?? 0), 0);
        return { value: Math.round(total * 1e6) / 1e6, currency: query.currency };
      },
    });
    if (result.decision === 'allow' && result.capability !== undefined && result.credentialId !== undefined) {
      const at = now.toISOString();
      const spent = amount === undefined ? {} : { amount: String(amount.value), currency: amount.currency };
      await store.recordUsage({ key: capabilityKey(session.sub, result.credentialId, result.capability), at, ...spent });
      await store.recordUsage({ key: credentialKey(session.sub, result.credentialId), at, ...spent });
    }
    if (result.decision !== 'allow' && reasons.length > 0) {
      // Chain failures (revoked, untrusted…) explain a missing capability better than ERR_NOT_AUTHORIZED.
      const own = result.reasons.filter((r) => r.code !== 'ERR_NOT_AUTHORIZED' || live.length > 0);
      const seen = new Set<string>();
      result.reasons = [...reasons, ...own].filter((r) => !seen.has(r.code) && seen.add(r.code));
    }
    // The decision, its usage and its audit entry commit together.
    await log(withStore(ctx, store), result);
    return result;
  });
  return { ...decision, ...base };
}

/** The payload of a signed action, unverified (for `legate approve`). */
export function peekAction(token: string): Record<string, unknown> {
  return decodeCompactJws(token, MAX_ACTION_LENGTH).payload;
}
