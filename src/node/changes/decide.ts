/**
 * @module node/changes/decide
 *
 * A second operator confirms a pending change (it then takes effect), or an
 * admin cancels it; and the list of changes. Confirming needs an admin
 * other than the one who asked. The decision and the execution commit
 * together: a change that cannot be carried out stays pending (cancel it),
 * and of two operators deciding at once exactly one wins.
 */

import { legateError } from '../../errors/index.js';
import type { PendingChangeQuery, PendingChangeRecord } from '../../store/ports/pending-changes.js';
import { audit } from '../audit.js';
import { inTransaction, type NodeContext } from '../context.js';
import { executeChange, type ChangeResult } from './execute.js';
import { assertAdmin, type Operator } from './policy.js';

/** The change `id`, still pending at `now`. @throws `ERR_NOT_FOUND`, `ERR_CHANGE_EXPIRED`, `ERR_CHANGE_CLOSED` (reason = its status). */
async function pendingChange(ctx: NodeContext, id: string, now: string): Promise<PendingChangeRecord> {
  const change = typeof id === 'string' && id.length <= 256 ? await ctx.store.getPendingChange(id) : undefined;
  if (change === undefined) throw legateError('ERR_NOT_FOUND', 'no such pending change', { claim: 'change' });
  if (change.status === 'expired' || (change.status === 'pending' && change.expiresAt <= now)) {
    throw legateError('ERR_CHANGE_EXPIRED', `the change expired at ${change.expiresAt} without a second operator`, { claim: 'change' });
  }
  if (change.status !== 'pending') throw legateError('ERR_CHANGE_CLOSED', `the change was already ${change.status}`, { claim: 'change', reason: change.status });
  return change;
}

/** Raced by another decision between the read and the update: say what it became. */
async function lostRace(ctx: NodeContext, id: string, now: string): Promise<never> {
  await pendingChange(ctx, id, now);
  throw legateError('ERR_CHANGE_CLOSED', 'the change was decided meanwhile', { claim: 'change' });
}

/**
 * Confirms the pending change `id` as `operator` (a different admin), and carries it out.
 * @throws `ERR_OPERATOR_ROLE` for a viewer or approver; `ERR_SECOND_PERSON` for the operator who asked; `ERR_NOT_FOUND`;
 * `ERR_CHANGE_EXPIRED`; `ERR_CHANGE_CLOSED` (already confirmed or cancelled); and what the operation itself throws.
 *
 * @example
 * ```ts
 * await confirmChange(node, change.id, { operator: { name: 'bob', role: 'admin' } });
 * ```
 */
export async function confirmChange(ctx: NodeContext, id: string, options: { operator: Operator }): Promise<{ change: PendingChangeRecord; result: ChangeResult }> {
  const { operator } = options;
  assertAdmin(operator, 'confirm a change');
  const now = ctx.clock().toISOString();
  const change = await pendingChange(ctx, id, now);
  if (change.requestedBy === operator.name) {
    throw legateError('ERR_SECOND_PERSON', 'a change must be confirmed by another operator than the one who asked for it', { claim: 'operator' });
  }
  const result = await inTransaction(ctx, async (tx) => {
    if (!(await tx.store.decidePendingChange(change.id, 'confirmed', operator.name, now))) return lostRace(tx, change.id, now);
    const details = { operator: change.requestedBy, confirmedBy: operator.name, change: change.id, secondPerson: 'confirmed', ...(change.reason === undefined ? {} : { reason: change.reason }) };
    return executeChange(tx, change.kind, change.target, details);
  });
  const confirmed: PendingChangeRecord = { ...change, status: 'confirmed', decidedBy: operator.name, decidedAt: now };
  ctx.services.webhook.send({
    type: 'change.confirmed',
    id: change.id,
    at: now,
    data: { kind: change.kind, target: change.target, operator: change.requestedBy, confirmedBy: operator.name, secondPerson: 'confirmed', emergency: false },
  });
  return { change: confirmed, result };
}

/**
 * Cancels the pending change `id` as `operator` (any admin, the one who asked included).
 * @throws `ERR_OPERATOR_ROLE`; `ERR_NOT_FOUND`; `ERR_CHANGE_EXPIRED`; `ERR_CHANGE_CLOSED`.
 */
export async function cancelChange(ctx: NodeContext, id: string, options: { operator: Operator }): Promise<PendingChangeRecord> {
  const { operator } = options;
  assertAdmin(operator, 'cancel a change');
  const now = ctx.clock().toISOString();
  const change = await pendingChange(ctx, id, now);
  await inTransaction(ctx, async (tx) => {
    if (!(await tx.store.decidePendingChange(change.id, 'cancelled', operator.name, now))) return lostRace(tx, change.id, now);
    await audit(tx, { type: 'operator-change', decision: 'deny', action: `cancel ${change.kind}`, resource: change.target, details: { operator: operator.name, change: change.id, requestedBy: change.requestedBy } });
  });
  return { ...change, status: 'cancelled', decidedBy: operator.name, decidedAt: now };
}

/** Changes newest first (default 100, at most 1000), pending ones past their expiry marked expired first. */
export async function listChanges(ctx: NodeContext, query: Partial<PendingChangeQuery> = {}): Promise<PendingChangeRecord[]> {
  await ctx.store.expirePendingChanges(ctx.clock().toISOString());
  return ctx.store.listPendingChanges({ limit: Math.max(1, Math.min(1000, query.limit ?? 100)), ...(query.status === undefined ? {} : { status: query.status }) });
}
