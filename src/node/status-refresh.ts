/**
 * @module node/status-refresh
 *
 * The re-signing job: every status list this node publishes is signed for
 * {@link STATUS_LIST_VALIDITY} and re-signed once half of that has passed
 * (`status/policy` `resignDue`), and so is its published trust list (valid a
 * day too), so verifiers never meet an expired list. Reads never sign (see
 * `node/status`, `node/registry`); this job does, on a schedule
 * `legate serve` runs ({@link startStatusRefresh}) or once from
 * `legate status refresh` (cron, for a node that never serves).
 *
 * In a fleet sharing one store exactly one instance runs it: each run first
 * takes the store's `status-refresh` lease, and the others skip while it is
 * held. A holder renews the lease on each run; if it dies, the lease
 * expires and another instance takes over.
 */

import { startLeasedSchedule } from '../lib/leased-schedule.js';
import { randomUUID } from 'node:crypto';
import { isLegateError, type ErrorCode } from '../errors/index.js';
import { resignDue } from '../status/policy.js';
import { inTransaction, type NodeContext } from './context.js';
import { resignTrustList, trustListUrl } from './registry.js';
import { signStatusList } from './status.js';

export { STATUS_LIST_VALIDITY } from '../status/policy.js';

/** The lease the job takes in the store. */
export const STATUS_REFRESH_LEASE = 'status-refresh';
/** How often `serve` runs the job by default: far more often than the half-day margin needs, so a missed run costs nothing. */
export const DEFAULT_STATUS_REFRESH_INTERVAL_MS = 15 * 60_000;
/** How long one run holds the lease by default (a one-off run; `serve` holds it for two of its intervals). */
export const DEFAULT_STATUS_REFRESH_LEASE_MS = 60_000;

export interface StatusRefreshOptions {
  /** Who runs the job (default a random id per call): a holder renews its own lease. */
  holder?: string;
  /** How long the lease is held from now, in ms; default {@link DEFAULT_STATUS_REFRESH_LEASE_MS}. */
  leaseMs?: number;
}

export interface StatusRefreshResult {
  /** False when another instance holds the lease: this run did nothing. */
  ran: boolean;
  /** Ids of the lists re-signed. */
  resigned: string[];
  /** Whether the published trust list was re-signed (as its next version). */
  trustListResigned: boolean;
  /**
   * Lists due but not re-signed, with why (`ERR_KEY_UNAVAILABLE` for a retired
   * issuer: its list expires, and verifiers fail closed). A status list by
   * its id, the trust list by its URL.
   */
  failed: { id: string; code: ErrorCode }[];
}

/** Re-signs one list if it is still due, inside a transaction; returns whether it did. */
async function resignOne(ctx: NodeContext, id: string): Promise<boolean> {
  return inTransaction(ctx, async (tx) => {
    const list = await tx.store.getStatusList(id);
    // Another change may have re-signed it since the list was read.
    if (list === undefined || resignDue([list], ctx.clock()).length === 0) return false;
    const token = await signStatusList(tx, list);
    await tx.store.updateStatusList(id, { bits: list.bits, version: list.version, token, updatedAt: list.updatedAt });
    return true;
  });
}

/**
 * Runs the re-signing job once: takes the lease, then re-signs every list
 * due at the node's clock, then the trust list if it is due. A status list
 * keeps its bits, version and `updatedAt`; only the signed token (and its
 * validity) changes. The trust list is published as its next version, with
 * the same entries (its version is what verifiers and ETags follow).
 *
 * @example
 * ```ts
 * const { ran, resigned } = await refreshStatusLists(node);
 * ```
 */
export async function refreshStatusLists(ctx: NodeContext, options: StatusRefreshOptions = {}): Promise<StatusRefreshResult> {
  const now = ctx.clock();
  const until = new Date(now.getTime() + (options.leaseMs ?? DEFAULT_STATUS_REFRESH_LEASE_MS));
  const holder = options.holder ?? randomUUID();
  if (!(await ctx.store.acquireLease(STATUS_REFRESH_LEASE, holder, until.toISOString(), now.toISOString()))) {
    return { ran: false, resigned: [], trustListResigned: false, failed: [] };
  }
  const result: StatusRefreshResult = { ran: true, resigned: [], trustListResigned: false, failed: [] };
  for (const id of resignDue(await ctx.store.listStatusLists(), now)) {
    try {
      if (await resignOne(ctx, id)) result.resigned.push(id);
    } catch (error) {
      if (!isLegateError(error)) throw error;
      result.failed.push({ id, code: error.code });
    }
  }
  // After the status lists: the trust list's own revocation entry lives in one of them.
  try {
    result.trustListResigned = await resignTrustList(ctx);
  } catch (error) {
    if (!isLegateError(error)) throw error;
    result.failed.push({ id: trustListUrl(ctx), code: error.code });
  }
  // Each list that could not be re-signed is an alert, once a day while it lasts (node/alerts); never a failed run.
  for (const { id, code } of result.failed) {
    await ctx.services.alerts
      .fire({
        rule: 'refresh-failed',
        severity: 'critical',
        subject: id,
        message: `${id} could not be re-signed (${code}): verifiers fail closed once it expires`,
        details: { list: id, code },
        window: now.toISOString().slice(0, 10),
      })
      .catch(() => undefined);
  }
  return result;
}

/** A running schedule of the job. */
export interface StatusRefreshSchedule {
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs {@link refreshStatusLists} now and then every `intervalMs` (default
 * {@link DEFAULT_STATUS_REFRESH_INTERVAL_MS}) as one holder, which keeps the
 * lease for two intervals so it renews it before it lapses. A run's error
 * goes to `onError` (default: a process warning) and the schedule goes on.
 */
export function startStatusRefresh(
  ctx: NodeContext,
  options: { intervalMs?: number | undefined; onError?: ((error: unknown) => void) | undefined } = {},
): StatusRefreshSchedule {
  return startLeasedSchedule('status-list refresh', options.intervalMs ?? DEFAULT_STATUS_REFRESH_INTERVAL_MS, (lease) => refreshStatusLists(ctx, lease), options.onError);
}
