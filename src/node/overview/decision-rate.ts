/**
 * @module node/overview/decision-rate
 *
 * Decisions per minute by outcome over the last hour (by the node's clock),
 * for the console's first chart: the feed's entry types
 * (`node/overview/decisions`), counted into sixty one-minute buckets, the
 * last ending at the current minute. Reads at most
 * {@link MAX_RATE_SCANNED} entries (`truncated` says when it stopped early).
 */

import { AUDIT_DECISIONS, type AuditDecision } from '../../audit/types.js';
import type { NodeContext } from '../context.js';
import { scanAudit } from './audit-scan.js';
import { DECISION_TYPES } from './decisions.js';

export const MAX_RATE_SCANNED = 50_000;
export const RATE_MINUTES = 60;
const MINUTE_MS = 60_000;

export interface MinuteCounts {
  /** The minute's start, ISO 8601 UTC. */
  minute: string;
  counts: Record<AuditDecision, number>;
}

export interface DecisionRate {
  minutes: MinuteCounts[];
  totals: Record<AuditDecision, number>;
  truncated: boolean;
}

const zero = (): Record<AuditDecision, number> => ({ allow: 0, deny: 0, approval_required: 0 });

/** The last hour's decisions per minute and outcome, oldest minute first. */
export async function decisionRate(ctx: NodeContext): Promise<DecisionRate> {
  const end = Math.floor(ctx.clock().getTime() / MINUTE_MS) + 1;
  const first = end - RATE_MINUTES;
  const minutes: MinuteCounts[] = Array.from({ length: RATE_MINUTES }, (_, i) => ({ minute: new Date((first + i) * MINUTE_MS).toISOString(), counts: zero() }));
  const totals = zero();
  const until = new Date(end * MINUTE_MS - 1).toISOString();
  const { truncated } = await scanAudit(ctx, { since: minutes[0]!.minute, until, max: MAX_RATE_SCANNED }, (entry) => {
    const decision = entry?.decision;
    if (entry === undefined || decision === undefined || !DECISION_TYPES.includes(entry.type) || !AUDIT_DECISIONS.includes(decision)) return true;
    const bucket = minutes[Math.floor(Date.parse(entry.at) / MINUTE_MS) - first];
    if (bucket !== undefined) {
      bucket.counts[decision]++;
      totals[decision]++;
    }
    return true;
  });
  return { minutes, totals, truncated };
}
