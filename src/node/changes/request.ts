/**
 * @module node/changes/request
 *
 * An operator asks for a change (#18 "Second person"): revoke, suspend or
 * reinstate a credential, or retire an agent. When the second-person policy
 * (`operators.secondPerson`) covers its kind, the change is stored as
 * pending until a different admin confirms it (`node/changes/decide`) or it
 * expires; otherwise it takes effect at once. `emergency` (a compromise)
 * also takes effect at once, and its audit entry says the second person was
 * skipped, and why. Every step is audited with `details.operator`, and
 * sent to the webhook (`change.requested`, `change.confirmed`).
 */

import { randomUUID } from 'node:crypto';

import { legateError } from '../../errors/index.js';
import type { PendingChangeRecord } from '../../store/ports/pending-changes.js';
import { audit } from '../audit.js';
import { inTransaction, type NodeContext } from '../context.js';
import { checkTarget, executeChange, type ChangeResult } from './execute.js';
import { assertAdmin, isChangeKind, type ChangeKind, type Operator } from './policy.js';

export interface ChangeRequest {
  kind: ChangeKind;
  /** The credential id (revoke, suspend, reinstate), or the agent's DID or name (retire). */
  target: string;
  /** Why: shown to the second operator; required with `emergency`. */
  reason?: string | undefined;
  operator: Operator;
  /** A compromise: take effect now, without the second person (the audit entry says so, with `reason`). */
  emergency?: boolean | undefined;
}

/** What a request did: carried out now, or stored to wait for a second operator. */
export type ChangeOutcome =
  | { status: 'done'; kind: ChangeKind; target: string; secondPerson: 'not-required' | 'skipped'; result: ChangeResult }
  | { status: 'pending'; change: PendingChangeRecord };

/** Longest reason kept, in characters. */
export const MAX_CHANGE_REASON = 500;

function checkReason(reason: unknown, required: boolean): string | undefined {
  if (reason === undefined || reason === '') {
    if (required) throw legateError('ERR_INVALID_ARGUMENT', 'an emergency change needs a reason (it is recorded in the audit log)', { claim: 'reason' });
    return undefined;
  }
  if (typeof reason !== 'string' || reason.length > MAX_CHANGE_REASON || /[\p{Cc}]/u.test(reason.replace(/\n/g, ' '))) {
    throw legateError('ERR_INVALID_ARGUMENT', `a reason is text of at most ${MAX_CHANGE_REASON} characters`, { claim: 'reason' });
  }
  return reason;
}

/**
 * Asks for a change as `operator`: carried out now, or stored pending a
 * second operator when the policy covers its kind and this is no emergency.
 * @throws `ERR_OPERATOR_ROLE` for a viewer or approver; `ERR_INVALID_ARGUMENT` for an unknown kind, a bad reason, or an emergency
 * without a reason; `ERR_NOT_FOUND` for an unknown credential or agent; `ERR_CONFLICT` for an agent already retired (or a
 * revoked credential reinstated), and what the operation itself throws.
 *
 * @example
 * ```ts
 * const outcome = await requestChange(node, { kind: 'revoke', target: credentialId, reason: 'left the company', operator: { name: 'alice', role: 'admin' } });
 * if (outcome.status === 'pending') console.log(`bob must confirm ${outcome.change.id}`);
 * ```
 */
export async function requestChange(ctx: NodeContext, request: ChangeRequest): Promise<ChangeOutcome> {
  if (!isChangeKind(request.kind)) throw legateError('ERR_INVALID_ARGUMENT', 'kind must be revoke, suspend, reinstate or retire', { claim: 'kind' });
  const { kind, operator } = request;
  assertAdmin(operator, `${kind} (the second-person policy)`);
  const emergency = request.emergency === true;
  const reason = checkReason(request.reason, emergency);
  const target = await checkTarget(ctx, kind, request.target);
  const now = ctx.clock();
  const id = `urn:uuid:${randomUUID()}`;
  const requiresSecond = ctx.changes.secondPerson.includes(kind);
  if (!requiresSecond || emergency) {
    const secondPerson = requiresSecond ? 'skipped' : 'not-required';
    const details = {
      operator: operator.name,
      change: id,
      secondPerson,
      ...(reason === undefined ? {} : { reason }),
      ...(emergency ? { emergency: true, ...(requiresSecond ? { skippedBecause: 'emergency (compromise): the second person was skipped' } : {}) } : {}),
    };
    const result = await executeChange(ctx, kind, target, details);
    ctx.services.webhook.send({ type: 'change.confirmed', id, at: ctx.clock().toISOString(), data: { kind, target, operator: operator.name, secondPerson, emergency, ...(reason === undefined ? {} : { reason }) } });
    return { status: 'done', kind, target, secondPerson, result };
  }
  const change: PendingChangeRecord = {
    id,
    kind,
    target,
    ...(reason === undefined ? {} : { reason }),
    requestedBy: operator.name,
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ctx.changes.lifetimeSeconds * 1000).toISOString(),
    status: 'pending',
  };
  await inTransaction(ctx, async (tx) => {
    await tx.store.putPendingChange(change);
    await audit(tx, {
      type: 'operator-change',
      decision: 'approval_required',
      action: `request ${kind}`,
      resource: target,
      details: { operator: operator.name, change: id, expiresAt: change.expiresAt, ...(reason === undefined ? {} : { reason }) },
    });
  });
  ctx.services.webhook.send({ type: 'change.requested', id, at: change.requestedAt, data: { kind, target, operator: operator.name, expiresAt: change.expiresAt, ...(reason === undefined ? {} : { reason }) } });
  return { status: 'pending', change };
}
