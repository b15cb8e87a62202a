/**
 * @module node/sweep
 *
 * Everything a node keeps only for a while has an expiry, and this deletes
 * it once passed: handshake sessions (at the session token's `exp`), the
 * acknowledges awaiting a confirm (with their session), sessions held with
 * peers, replay claims (at the end of the message's freshness window),
 * usage rows and the answers kept for AuthZEN retries. `legate serve` sweeps on a timer ({@link startSweeper});
 * `legate store sweep` sweeps once.
 *
 * The usage rule ({@link usageExpiry}): a use is kept until the longest
 * budget or rate-limit period that counts it has passed, measured from the
 * use, plus a day of slack. A limit looks back over `(now − period, now]`, so
 * after `at + period` no limit can count the row. Calendar periods (`P1M`,
 * `P1Y`) are taken at their longest (31 and 366 days), never at an average,
 * so a row is never deleted while a limit could still need it. Uses under no
 * periodic limit expire after the slack alone.
 */

import type { Constraints } from '../credential/types.js';
import { longestMs, parseDuration } from '../lib/duration.js';
import type { SweepResult } from '../store/types.js';
import { flushRefusals } from './audit.js';
import type { NodeContext } from './context.js';

const DAY_MS = 86_400_000;
/** Kept past the longest period: clock differences between processes sharing a store. */
export const USAGE_SLACK_MS = DAY_MS;
/** How often `legate serve` sweeps. */
export const SWEEP_INTERVAL_MS = 60_000;
/** The latest time an ISO 8601 string sorts correctly as (year 10000 turns into `+010000-…`). */
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * When a use made at `at` may be swept: `at` plus the longest budget or
 * rate-limit period among `constraints` (pass every set that reads the use's
 * key), plus {@link USAGE_SLACK_MS}. Undefined (keep for good) when a period
 * cannot be read.
 *
 * @example
 * ```ts
 * usageExpiry(new Date('2026-03-01T00:00:00Z'), [{ budget: { value: 300, currency: 'USD', period: 'P1D' } }])
 * // '2026-03-03T00:00:00.000Z'
 * ```
 */
export function usageExpiry(at: Date, constraints: readonly (Constraints | undefined)[]): string | undefined {
  let longest = 0;
  try {
    for (const c of constraints) {
      for (const period of [c?.budget?.period, c?.rateLimit?.period]) if (period !== undefined) longest = Math.max(longest, longestMs(parseDuration(period)));
    }
  } catch {
    return undefined;
  }
  return new Date(Math.min(at.getTime() + longest + USAGE_SLACK_MS, LATEST)).toISOString();
}

/** Deletes what has expired by the node's clock, and writes any pending refusal summary. */
export async function sweepNode(ctx: NodeContext): Promise<SweepResult> {
  const now = ctx.clock().toISOString();
  const result = await ctx.store.sweep(now);
  // Stored AuthZEN answers (node/oauth/evaluate) are swept here, outside SweepResult, whose shape callers print.
  await ctx.store.sweepAnswers(now);
  // So are console sessions past their absolute end (idle ones end at their next use, or here once past it).
  await ctx.store.sweepOperatorSessions(now);
  // Approval requests: pending ones past their expiry are marked expired; any ended more than 30 days ago are forgotten.
  // Changes waiting for a second operator lapse at their expiry; decided ones are kept 30 days for the console (the audit log keeps every step).
  await ctx.store.expirePendingChanges(now);
  await ctx.store.deletePendingChangesBefore(new Date(ctx.clock().getTime() - 30 * 86_400_000).toISOString());
  await ctx.store.sweepApprovalRequests(now, new Date(ctx.clock().getTime() - 30 * 86_400_000).toISOString());
  await flushRefusals(ctx);
  return result;
}

/**
 * Sweeps every `intervalMs` until the returned function is called (which
 * writes a last refusal summary). Failures are left for the next round: a
 * sweep only ever deletes what has expired, so a missed one loses nothing.
 */
export function startSweeper(ctx: NodeContext, options: { intervalMs?: number } = {}): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => sweepNode(ctx)).catch(() => undefined);
  }, options.intervalMs ?? SWEEP_INTERVAL_MS);
  // The sweeper never keeps a process alive.
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
    await flushRefusals(ctx, { force: true }).catch(() => undefined);
  };
}
