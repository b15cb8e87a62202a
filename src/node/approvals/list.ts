/**
 * @module node/approvals/list
 *
 * The approval inbox, newest first (`legate approvals list`, the console),
 * by status and agent; a pending request past its expiry shows as expired.
 */

import { legateError } from '../../errors/index.js';
import type { ApprovalRequestRecord, ApprovalRequestStatus } from '../../store/ports/approval-requests.js';
import type { NodeContext } from '../context.js';

export const APPROVAL_STATUSES: readonly ApprovalRequestStatus[] = ['pending', 'approved', 'denied', 'expired', 'used'];
/** Most requests one call lists. */
export const MAX_APPROVAL_PAGE = 500;

/** @throws InputError `ERR_INVALID_ARGUMENT` (claim `status` or `limit`). */
export async function listApprovalRequests(ctx: NodeContext, options: { status?: string | undefined; agent?: string | undefined; limit?: number | undefined } = {}): Promise<ApprovalRequestRecord[]> {
  const { status, agent } = options;
  if (status !== undefined && !(APPROVAL_STATUSES as readonly string[]).includes(status)) throw legateError('ERR_INVALID_ARGUMENT', `status must be one of ${APPROVAL_STATUSES.join(', ')}`, { claim: 'status' });
  const limit = options.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_APPROVAL_PAGE) throw legateError('ERR_INVALID_ARGUMENT', `limit must be 1 to ${MAX_APPROVAL_PAGE}`, { claim: 'limit' });
  const now = ctx.clock().getTime();
  // Expired pending requests are marked by the sweep; until then they are shown as what they are.
  const asked = status === 'expired' ? undefined : (status as ApprovalRequestStatus | undefined);
  const found = await ctx.store.listApprovalRequests({ status: asked, agent, limit });
  const shown = found.map((r) => (r.status === 'pending' && Date.parse(r.expiresAt) <= now ? { ...r, status: 'expired' as const } : r));
  return status === undefined ? shown : shown.filter((r) => r.status === status);
}
