/**
 * @module node/alerts/list
 *
 * The alerts this node's store keeps, newest first (`legate alerts list`,
 * the console): by rule, since a time, open only; bounded.
 */

import { legateError } from '../../errors/index.js';
import type { AlertRecord } from '../../store/ports/alerts.js';
import type { NodeContext } from '../context.js';

/** Alerts listed when no limit is given. */
export const DEFAULT_ALERT_PAGE = 100;
/** Most alerts one call lists. */
export const MAX_ALERT_PAGE = 1000;

export interface ListAlertsOptions {
  rule?: string | undefined;
  /** Fired at or after this time (ISO 8601). */
  since?: string | undefined;
  /** Only alerts nobody has acknowledged. */
  open?: boolean | undefined;
  /** 1 to {@link MAX_ALERT_PAGE}; default {@link DEFAULT_ALERT_PAGE}. */
  limit?: number | undefined;
}

/**
 * @throws InputError `ERR_INVALID_ARGUMENT` (claim `since` or `limit`) for a time that does not parse or a limit out of range.
 *
 * @example
 * ```ts
 * const open = await listAlerts(node, { rule: 'failed-auth', open: true });
 * ```
 */
export async function listAlerts(ctx: NodeContext, options: ListAlertsOptions = {}): Promise<AlertRecord[]> {
  const limit = options.limit ?? DEFAULT_ALERT_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_ALERT_PAGE) {
    throw legateError('ERR_INVALID_ARGUMENT', `limit must be a whole number from 1 to ${MAX_ALERT_PAGE}`, { claim: 'limit' });
  }
  let since: string | undefined;
  if (options.since !== undefined) {
    const at = Date.parse(options.since);
    if (Number.isNaN(at)) throw legateError('ERR_INVALID_ARGUMENT', 'since must be an ISO 8601 time', { claim: 'since' });
    since = new Date(at).toISOString();
  }
  return ctx.store.listAlerts({ rule: options.rule, since, open: options.open, limit });
}
