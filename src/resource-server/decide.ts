/**
 * @module resource-server/decide
 *
 * The in-process part of the decision: the concrete request against the
 * capabilities a token grants (its `authorization_details`), through the
 * same default-deny engine a Legate node uses (`capability/authorize`):
 * matching (a scoped capability never satisfies an unscoped request), most
 * specific first, and every stateless constraint (`maxAmount`, `timeWindow`)
 * checked here. Budgets, rate limits and approvals need counts this service
 * does not hold: when a PDP is configured they pass here on the most
 * favourable assumption (no spend, no earlier action, approved), which still
 * refuses what could never pass (an amount alone above its budget), and the
 * node decides them; without a PDP they are unknown, so they fail with
 * their own codes. `audience` constraints were settled when the token was
 * issued for exactly this resource (its `aud`), so they are not re-read.
 */

import { authorize, type DecisionReason } from '../capability/authorize.js';
import type { Capability, Constraints } from '../credential/types.js';
import type { LegateAuthorizationDetail } from '../oauth/types.js';
import type { Clock } from '../lib/clock.js';
import type { RouteTarget } from './types.js';

/** What this process decides: allow, deny, or allow only if the node's PDP agrees. */
export type LocalDecision =
  | { outcome: 'allow' | 'pdp'; detail: LegateAuthorizationDetail; reasons: [] }
  | { outcome: 'deny'; reasons: DecisionReason[] };

/** True when `constraints` hold one only the node can decide: budgets and rates count across every service that trusts it. */
function stateful(constraints: Constraints | undefined): boolean {
  return constraints !== undefined && (constraints.budget !== undefined || constraints.rateLimit !== undefined || constraints.requireApproval === true);
}

/**
 * Decides `target` against the granted `details`.
 *
 * @example
 * ```ts
 * decideLocally(claims.authorization_details, { action: 'call', resource: 'billing:refund', amount }, { pdp: true })
 * // { outcome: 'pdp', detail } when the covering capability has a budget
 * ```
 */
export function decideLocally(
  details: readonly LegateAuthorizationDetail[],
  target: RouteTarget,
  options: { pdp: boolean; clock?: Clock | undefined },
): LocalDecision {
  const byCapability = new Map<Capability, LegateAuthorizationDetail>();
  const grants = details.map((detail) => {
    const capability: Capability = {
      action: detail.action,
      resource: detail.resource,
      ...(detail.scope === undefined ? {} : { scope: detail.scope }),
      ...(detail.constraints === undefined ? {} : { constraints: withoutAudience(detail.constraints) }),
    };
    byCapability.set(capability, detail);
    return {
      capabilities: [capability],
      constraints: detail.credentialConstraints === undefined ? undefined : withoutAudience(detail.credentialConstraints),
      credentialId: detail.credential,
    };
  });
  const decision = authorize(target, grants, {
    clock: options.clock,
    ...(options.pdp ? { spent: (query) => ({ value: 0, currency: query.currency ?? '' }), recentCount: 0, approved: true } : {}),
  });
  if (decision.decision !== 'allow' || decision.capability === undefined) {
    const reasons = decision.reasons.length > 0 ? decision.reasons : [{ code: 'ERR_NOT_AUTHORIZED' as const, message: 'no capability covers this request' }];
    return { outcome: 'deny', reasons };
  }
  const detail = byCapability.get(decision.capability)!;
  const needsNode = stateful(detail.constraints) || stateful(detail.credentialConstraints);
  return { outcome: needsNode ? 'pdp' : 'allow', detail, reasons: [] };
}

function withoutAudience(constraints: Constraints): Constraints {
  if (constraints.audience === undefined) return constraints;
  const { audience: _settled, ...rest } = constraints;
  return rest;
}
