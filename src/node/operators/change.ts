/**
 * @module node/operators/change
 *
 * Changes to an operator's account: its role, its password, a lock lifted,
 * the account removed. A new password or a removal ends the operator's
 * sessions on every instance; each change is audited with who made it.
 */

import { legateError } from '../../errors/index.js';
import { hashPassword } from '../../lib/password.js';
import type { OperatorPatch, OperatorRecord } from '../../store/ports/operators.js';
import { audit } from '../audit.js';
import { inTransaction, type NodeContext } from '../context.js';
import { operatorKey } from './add.js';
import type { OperatorRole } from './roles.js';
import { assertOperatorName, assertOperatorRole, assertPassword } from './validate.js';
import { operatorView, type OperatorView } from './view.js';

/** The operator named `name`, still active. @throws `ERR_NOT_FOUND` otherwise. */
async function activeOperator(ctx: NodeContext, name: string): Promise<OperatorRecord> {
  assertOperatorName(name);
  const found = await ctx.store.getOperator(name);
  if (found === undefined || found.disabledAt !== undefined) throw legateError('ERR_NOT_FOUND', `no operator named ${name}`, { claim: 'name' });
  return found;
}

async function change(ctx: NodeContext, name: string, actor: string, action: string, patch: (found: OperatorRecord, tx: NodeContext) => Promise<OperatorPatch>, endSessions = false): Promise<OperatorView> {
  return inTransaction(ctx, async (tx) => {
    const found = await activeOperator(tx, name);
    const fields = await patch(found, tx);
    const after = (await tx.store.updateOperator(name, fields))!;
    if (endSessions) await tx.store.deleteOperatorSessions(name);
    const shown = Object.fromEntries(Object.entries(fields).filter(([k]) => k === 'role' || k === 'did'));
    await audit(tx, { type: 'operator', action, details: { operator: actor, name, ...shown } });
    return operatorView(after, ctx.clock());
  });
}

/**
 * Gives `name` another role; promoted from viewer, it gets its own did:key.
 * @throws `ERR_NOT_FOUND`, `ERR_INVALID_ARGUMENT` (claim `role`).
 */
export function setOperatorRole(ctx: NodeContext, name: string, role: OperatorRole, actor: string): Promise<OperatorView> {
  assertOperatorRole(role);
  return change(ctx, name, actor, 'role', async (found, tx) => ({ role, ...(role !== 'viewer' && found.did === undefined ? { did: await operatorKey(tx) } : {}) }));
}

/** Sets a new password and ends the operator's sessions. @throws `ERR_NOT_FOUND`, `ERR_INVALID_ARGUMENT` (claim `password`). */
export async function setOperatorPassword(ctx: NodeContext, name: string, password: string, actor: string): Promise<OperatorView> {
  assertPassword(password);
  const passwordHash = await ctx.services.passwords.run(() => hashPassword(password));
  return change(ctx, name, actor, 'password', () => Promise.resolve({ passwordHash, failedCount: 0, lockedUntil: undefined }), true);
}

/** Lifts a lockout. @throws `ERR_NOT_FOUND`. */
export function unlockOperator(ctx: NodeContext, name: string, actor: string): Promise<OperatorView> {
  return change(ctx, name, actor, 'unlock', () => Promise.resolve({ failedCount: 0, lockedUntil: undefined }));
}

/**
 * Removes an operator: it signs in no more, its sessions end, and its name
 * stays taken (the audit log names it). @throws `ERR_NOT_FOUND`.
 */
export function removeOperator(ctx: NodeContext, name: string, actor: string): Promise<OperatorView> {
  return change(ctx, name, actor, 'remove', () => Promise.resolve({ disabledAt: ctx.clock().toISOString() }), true);
}

/** Every operator, by name (removed ones too, marked). */
export async function listOperators(ctx: NodeContext): Promise<OperatorView[]> {
  const now = ctx.clock();
  return (await ctx.store.listOperators()).map((o) => operatorView(o, now));
}
