/**
 * @module node/decide
 *
 * The decision after verification, shared by every face that asks the node
 * whether an agent may act: signed actions (`POST /actions`, node/actions)
 * and AuthZEN access evaluations (node/oauth/evaluate). Both hand in the
 * same neutral input: the capabilities that may cover the request, each
 * naming its leaf credential; the chains this node stored for them when it
 * granted the session or token; the request; the verifier identity the
 * `audience` constraint is checked against; and a callback that logs the
 * decision. So a budget or rate limit is decided the same way whoever asks,
 * and a tree of credentials never spends more than its root allows.
 *
 * {@link liveChains} re-verifies each stored chain (status included), so a
 * revocation after the handshake or the token exchange counts.
 * {@link decideAndRecord} reads the usage rows, decides, records the new
 * usage and logs the decision in ONE store transaction, so concurrent
 * requests cannot overspend. The usage rules and the money arithmetic are
 * `capability/usage`'s.
 */

import { authorizeChains, type Charge, type CredentialChain } from '../capability/authorize-chain.js';
import type { AuthorizationRequest, Decision, DecisionReason } from '../capability/authorize.js';
import type { UsageQuery } from '../capability/constraints.js';
import { capabilityCovers } from '../capability/match.js';
import { chargedKeys, spendOf, spendRecordOf, usageKeyOf, usageKeysFor, usageSince } from '../capability/usage.js';
import type { Capability, Constraints } from '../credential/types.js';
import type { VerifyCredentialOptions } from '../credential/verify-jwt.js';
import { errorsForCapability, verifyChain } from '../delegation/verify-chain.js';
import type { ErrorCode } from '../errors/index.js';
import { forPeer } from '../lib/peer-error.js';
import type { Store, UsageRecord } from '../store/types.js';
import { transactionView, type NodeContext } from './context.js';
import { usageExpiry } from './sweep.js';

/** The approval attached to a request, once checked. */
export interface ApprovalOutcome {
  approved: boolean;
  approvedBy?: { approver: string; approval: string } | undefined;
  reasons: DecisionReason[];
}

/** A capability granted for a session or token, naming the leaf credential that grants it (and that credential's shared constraints). */
export type CoveringCapability = Capability & { credential: string; credentialConstraints?: Constraints | undefined };

/** What {@link liveChains} re-checks: the granted capabilities, the stored chains by leaf id, the request. */
export interface ChainsInput {
  capabilities: readonly CoveringCapability[];
  /** Chain tokens (as ACE stores them) by leaf credential id; undefined when nothing is stored (expired, swept). */
  chains: Readonly<Record<string, readonly string[]>> | undefined;
  request: AuthorizationRequest;
}

/** What {@link decideAndRecord} decides: the live chains and everything the decision reads beyond them. */
export interface DecisionInput {
  request: AuthorizationRequest;
  /** The chains that still verify, from {@link liveChains}. */
  live: CredentialChain[];
  /** Why other chains failed, and any approval failure: they explain a denial. */
  reasons: DecisionReason[];
  /** The verifier identity `audience` constraints are checked against. */
  verifier: string;
  approval: ApprovalOutcome;
  /**
   * Logs the decision through the transaction's context, to commit with the
   * usage it recorded; `charged` is non-empty only on allow. Anything else
   * written through `tx.store` here commits with it too.
   */
  log(tx: NodeContext, decision: Decision, charged: readonly Charge[]): Promise<void>;
  /** Runs first in the decision's transaction, to commit with it (an action's single-use claim); throwing rolls it back. */
  before?(tx: Store): Promise<void>;
}

/** One reason from a Legate error, its message prefixed. */
export const reasonOf = (e: { code: ErrorCode; message: string }, prefix = ''): DecisionReason => ({ code: e.code, message: `${prefix}${e.message}` });

const distinct = (reasons: readonly DecisionReason[]): DecisionReason[] => {
  const seen = new Set<string>();
  return reasons.filter((r) => !seen.has(r.code) && seen.add(r.code));
};

/**
 * The chains behind the granted capabilities that cover the request,
 * re-checked (revocations after the handshake count), one verification per
 * credential however many capabilities it grants; and why the others failed.
 */
export async function liveChains(input: ChainsInput, options: VerifyCredentialOptions): Promise<{ live: CredentialChain[]; reasons: DecisionReason[] }> {
  const stored = input.chains;
  const live: CredentialChain[] = [];
  const reasons: DecisionReason[] = [];
  const seen = new Set<string>();
  for (const capability of input.capabilities) {
    if (!capabilityCovers(capability, input.request) || seen.has(capability.credential)) continue;
    seen.add(capability.credential);
    const tokens = stored?.[capability.credential];
    if (tokens === undefined) continue;
    const chain = await verifyChain([...tokens], options);
    const errors = errorsForCapability(chain, capability);
    if (errors.length === 0 && chain.leaf?.id === capability.credential) live.push(chain.links.map((l) => l.credential));
    else reasons.push(...errors.map(forPeer).map((e) => reasonOf(e)));
  }
  return { live, reasons };
}

/**
 * Usage rows of every limit the candidate chains carry, read once inside the
 * transaction. Each read locks its key until the transaction ends (on
 * PostgreSQL, an advisory lock): the keys are read in one sorted order, not in
 * the order the chains list them, so two decisions sharing keys queue on the
 * first one instead of each holding a key the other waits for (a deadlock,
 * which PostgreSQL would break by failing one of them).
 */
async function loadUsage(store: Store, keys: Map<string, string[]>, now: Date): Promise<Map<string, UsageRecord[]>> {
  const usage = new Map<string, UsageRecord[]>();
  for (const [key, periods] of [...keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const since = usageSince(periods, now);
    // A malformed period: the constraint check reports it as ERR_MALFORMED.
    if (since !== undefined) usage.set(key, await store.listUsage(key, since.toISOString()));
  }
  return usage;
}

/** The rows to write for an allowed request; each lives as long as the longest period that can still count it (node/sweep). */
function usageRows(charges: readonly Charge[], chains: readonly CredentialChain[], now: Date, request: AuthorizationRequest): UsageRecord[] {
  const spent = spendRecordOf(request.amount);
  return chargedKeys(charges, chains).map(({ key, limits }) => {
    const expiresAt = usageExpiry(now, [limits]);
    return { key, at: now.toISOString(), ...spent, ...(expiresAt === undefined ? {} : { expiresAt }) };
  });
}

/**
 * Decides against the live chains with usage read, recorded and logged in
 * one transaction, so concurrent requests cannot overspend.
 */
export async function decideAndRecord(ctx: NodeContext, input: DecisionInput): Promise<Decision> {
  const { request, live, reasons, approval } = input;
  const keys = usageKeysFor(live, request);
  return ctx.store.transaction(async (store) => {
    await input.before?.(store);
    const now = ctx.clock();
    const usage = await loadUsage(store, keys, now);
    const rows = (query: UsageQuery) => {
      const key = usageKeyOf(query);
      return key === undefined ? undefined : (usage.get(key) ?? []).filter((u) => u.at >= query.since.toISOString());
    };
    const { charges, ...result } = authorizeChains(request, live, {
      clock: () => now,
      verifier: input.verifier,
      approved: approval.approved,
      recentCount: (query) => rows(query)?.length,
      spent: (query) => {
        const found = rows(query);
        return found === undefined || query.currency === undefined ? undefined : spendOf(found, query.currency);
      },
    });
    if (result.decision === 'allow') {
      for (const row of usageRows(charges, live, now, request)) await store.recordUsage(row);
    } else if (reasons.length > 0) {
      // Chain failures (revoked, untrusted…) explain a missing capability better than ERR_NOT_AUTHORIZED.
      result.reasons = distinct([...reasons, ...result.reasons.filter((r) => r.code !== 'ERR_NOT_AUTHORIZED' || live.length > 0)]);
    }
    // The decision, its usage and its audit entry commit together.
    await input.log(transactionView(ctx, store), result, result.decision === 'allow' ? charges : []);
    return result;
  });
}
