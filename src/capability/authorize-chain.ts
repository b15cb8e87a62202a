/**
 * @module capability/authorize-chain
 *
 * The authorization decision for an action taken under a delegated
 * credential (DESIGN "Delegation and attenuation"; issue #13 item 1). A
 * child repeats its parent's limits, but a budget or rate limit is
 * cumulative: three children of a 300 USD/day credential could each spend
 * 300 USD if only the leaf were checked. So every credential of the chain,
 * leaf and each ancestor out to the root, must allow the action on its own
 * terms, with usage counted over its whole subtree (the verifier records
 * each allowed action against every credential of its chain, see
 * {@link ChainDecision.charges}). Pure, like {@link authorize}: usage comes
 * in through the context's lookups.
 */

import type { AgentCapabilityCredential, Capability } from '../credential/types.js';
import { issuerId, usageIdOf } from '../credential/types.js';
import { authorize, bySpecificity, type AuthorizationContext, type AuthorizationRequest, type Decision, type DecisionReason } from './authorize.js';
import { capabilityCovers } from './match.js';

/** One use to record: which credential, and which of its capabilities, the action counts against. */
export interface Charge {
  /** The credential's issuer (part of the usage key: credential ids are the issuers' choice). */
  issuer: string;
  credentialId: string;
  /** The id its usage is recorded under: the credential's lineage, else its id. */
  usageId: string;
  /** The capability of that credential chosen at this level. */
  capability: Capability;
}

export interface ChainDecision extends Decision {
  /**
   * On allow: the leaf's charge first, then each ancestor's out to the root.
   * The verifier records the action's amount (and one count) against each,
   * so each ancestor's usage is the sum over its whole subtree.
   */
  charges: Charge[];
}

/** A verified chain's credentials, root first; the last is the leaf the holder acts under. */
export type CredentialChain = readonly AgentCapabilityCredential[];

function decideChain(request: AuthorizationRequest, chain: CredentialChain, context: AuthorizationContext): ChainDecision {
  const charges: Charge[] = [];
  const denials: DecisionReason[] = [];
  let leaf: Decision | undefined;
  let approval = false;
  // Leaf first, so the decision names the leaf's capability and its reasons come first.
  for (let i = chain.length - 1; i >= 0; i -= 1) {
    const credential = chain[i]!;
    const decision = authorize(request, [credential], context);
    leaf ??= decision;
    if (decision.decision === 'allow' && decision.capability !== undefined) {
      charges.push({ issuer: issuerId(credential) ?? '', credentialId: credential.id, usageId: usageIdOf(credential), capability: decision.capability });
      continue;
    }
    if (decision.decision === 'approval_required') approval = true;
    else {
      const where = i === chain.length - 1 ? '' : `ancestor credential ${credential.id}: `;
      denials.push(...decision.reasons.map((r) => ({ code: r.code, message: `${where}${r.message}` })));
    }
  }
  const named = leaf?.capability === undefined ? {} : { capability: leaf.capability, ...(leaf.credentialId === undefined ? {} : { credentialId: leaf.credentialId }) };
  if (denials.length > 0) return { decision: 'deny', reasons: denials, charges: [] };
  if (approval) {
    return { decision: 'approval_required', ...named, reasons: [{ code: 'ERR_APPROVAL_REQUIRED', message: 'a human approval of this action is required' }], charges: [] };
  }
  return { decision: 'allow', ...named, reasons: [], charges };
}

/** The leaf's most specific capability covering the request, to order chains by. */
function bestCovering(request: AuthorizationRequest, chain: CredentialChain): Capability | undefined {
  const covering = chain.at(-1)?.credentialSubject.capabilities.filter((c) => capabilityCovers(c, request)) ?? [];
  return covering.sort(bySpecificity)[0];
}

/**
 * Decides `request` against the chains an agent holds (each already
 * verified: signatures, trust, status, attenuation).
 *
 * A chain allows the action when every one of its credentials does, each
 * checked with {@link authorize} (its own covering capabilities, most
 * specific first, and its shared constraints), so a budget or rate limit
 * of any ancestor binds every descendant together. Which credential is
 * charged when several qualify: the chains are tried in order of their
 * leaf's most specific covering capability ({@link bySpecificity}), then in
 * the order given, and the first chain that allows is the one used; within
 * each credential, the capability {@link authorize} picks. Otherwise
 * `approval_required` when some chain lacks only a human approval, else
 * `deny` with the distinct reasons of every chain (`ERR_NOT_AUTHORIZED`
 * when no leaf covers the request).
 *
 * @throws TypeError when an argument has the wrong type.
 *
 * @example
 * ```ts
 * // acme -> alice (300 USD/day) -> sub-agent
 * const decision = authorizeChains(request, [[aliceCredential, subAgentCredential]], { spent, recentCount, clock });
 * if (decision.decision === 'allow') for (const charge of decision.charges) record(charge, request.amount);
 * ```
 */
export function authorizeChains(request: AuthorizationRequest, chains: readonly CredentialChain[], context: AuthorizationContext = {}): ChainDecision {
  assertChains(chains);
  const ordered = chains
    .map((chain, order) => ({ chain, order, best: bestCovering(request, chain) }))
    .filter((c) => c.best !== undefined)
    .sort((a, b) => bySpecificity(a.best!, b.best!) || a.order - b.order);
  if (ordered.length === 0) {
    // Nothing covers: let authorize word the denial (ERR_NOT_AUTHORIZED, or ERR_MALFORMED for a bad request).
    return { ...authorize(request, chains.map((c) => c.at(-1)!), context), charges: [] };
  }
  const outcomes: ChainDecision[] = [];
  for (const { chain } of ordered) {
    const outcome = decideChain(request, chain, context);
    if (outcome.decision === 'allow') return outcome;
    outcomes.push(outcome);
  }
  const approval = outcomes.find((o) => o.decision === 'approval_required');
  if (approval !== undefined) return approval;
  const seen = new Set<string>();
  const reasons = outcomes.flatMap((o) => o.reasons).filter((r) => !seen.has(r.code) && seen.add(r.code));
  return { decision: 'deny', reasons, charges: [] };
}

function assertChains(chains: unknown): void {
  const ok = (c: unknown) => Array.isArray(c) && c.length > 0;
  if (!Array.isArray(chains) || !(chains as unknown[]).every(ok)) {
    throw new TypeError('chains must be an array of non-empty credential arrays');
  }
}
