/**
 * @module node/console-changes
 *
 * The changes an operator makes from the console (issue #18): revoke,
 * suspend or reinstate a credential, retire an agent. Each goes through the
 * node's own operation (`node/status`'s `changeStatus`, `node/retire`'s
 * `retireAgent`) and is audited there, in the same transaction, with the
 * operator's name as `details.operator` (and the reason given, and
 * `emergency` when the request said so).
 *
 * {@link ChangeHandler} is the port the console calls: {@link policyChanges}
 * (the default) goes through the second-person policy, which may answer
 * `pending`; {@link applyChange} makes the change at once.
 */

import { legateError } from '../errors/index.js';
import type { OperatorRole } from './operators/roles.js';
import type { NodeContext } from './context.js';
import { retireAgent } from './retire.js';
import { changeStatus } from './status.js';

export const CHANGE_KINDS = ['revoke', 'suspend', 'reinstate', 'retire'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Longest reason kept, in characters. */
export const MAX_REASON_CHARS = 500;

/** One change an operator asks for. */
export interface ChangeRequest {
  kind: ChangeKind;
  /** A credential id (revoke, suspend, reinstate) or an agent's name (retire). */
  target: string;
  reason?: string | undefined;
  operator: { name: string; role: OperatorRole; did?: string | undefined };
  /** A compromise: skips any second-person policy, and the audit entry says so. */
  emergency?: boolean | undefined;
}

export type ChangeAnswer = { status: 'done' } | { status: 'pending'; id: string };

/** What the console calls to make a change. */
export type ChangeHandler = (request: ChangeRequest) => Promise<ChangeAnswer>;

/**
 * Makes the change now, audited with the operator's name.
 * @throws InputError `ERR_INVALID_ARGUMENT` for an unknown kind or a bad
 *   target or reason; LegateError `ERR_NOT_FOUND` / `ERR_CONFLICT` as the
 *   operation does (no such credential or agent, reinstating a revoked one).
 *
 * @example
 * ```ts
 * await applyChange(node, { kind: 'revoke', target: credentialId, operator: { name: 'dana', role: 'admin' }, reason: 'key leaked' });
 * ```
 */
export async function applyChange(ctx: NodeContext, request: ChangeRequest): Promise<ChangeAnswer> {
  const { kind, target, reason } = request;
  if (!(CHANGE_KINDS as readonly string[]).includes(kind)) throw legateError('ERR_INVALID_ARGUMENT', `kind must be one of ${CHANGE_KINDS.join(', ')}`, { claim: 'kind' });
  if (typeof target !== 'string' || target.length === 0 || target.length > 2048) throw legateError('ERR_INVALID_ARGUMENT', 'target must be a credential id or an agent name', { claim: 'target' });
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON_CHARS)) {
    throw legateError('ERR_INVALID_ARGUMENT', `reason must be at most ${MAX_REASON_CHARS} characters`, { claim: 'reason' });
  }
  const details = {
    operator: request.operator.name,
    ...(reason === undefined || reason === '' ? {} : { reason }),
    ...(request.emergency === true ? { emergency: true } : {}),
  };
  if (kind === 'retire') await retireAgent(ctx, target, { details });
  else await changeStatus(ctx, target, kind, { details });
  return { status: 'done' };
}

/** {@link applyChange} over `ctx`: every change at once, whatever the second-person policy (tests of the pages). */
export function directChanges(ctx: NodeContext): ChangeHandler {
  return (request) => applyChange(ctx, request);
}

/**
 * The console's default {@link ChangeHandler}: through the second-person
 * policy (node/changes), so a change `operators.secondPerson` covers waits
 * for another admin unless it is an emergency.
 */
export function policyChanges(ctx: NodeContext): ChangeHandler {
  return async (request) => {
    const { requestChange } = await import('./changes/request.js');
    const outcome = await requestChange(ctx, {
      kind: request.kind,
      target: request.target,
      reason: request.reason,
      operator: { name: request.operator.name, role: request.operator.role },
      emergency: request.emergency,
    });
    return outcome.status === 'pending' ? { status: 'pending', id: outcome.change.id } : { status: 'done' };
  };
}
