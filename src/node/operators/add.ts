/**
 * @module node/operators/add
 *
 * Adds a console operator (#18): a name, a role and a password, hashed with
 * scrypt. An approver or admin also gets a did:key whose private key the
 * node holds, sealed like every other key, so the approvals it decides are
 * signed with the operator's own key and name that person, not the
 * organization. Audited with who added it.
 */

import { didKeyFromPublicKey, didKeyVerificationMethodId } from '../../did/key.js';
import { legateError } from '../../errors/index.js';
import { hashPassword } from '../../lib/password.js';
import { audit } from '../audit.js';
import { inTransaction, type NodeContext } from '../context.js';
import type { OperatorRole } from './roles.js';
import { assertOperatorName, assertOperatorRole, assertPassword } from './validate.js';
import { operatorView, type OperatorView } from './view.js';

export interface AddOperatorOptions {
  name: string;
  role: OperatorRole;
  password: string;
  /** Who adds it, for the audit log: an operator's name, or `admin-token` / `cli`. */
  actor: string;
}

/**
 * @throws InputError `ERR_INVALID_ARGUMENT` (claim `name`, `role` or `password`); LegateError `ERR_CONFLICT` for a name taken.
 *
 * @example
 * ```ts
 * await addOperator(node, { name: 'dana', role: 'admin', password, actor: 'cli' });
 * ```
 */
export async function addOperator(ctx: NodeContext, options: AddOperatorOptions): Promise<OperatorView> {
  const { name, role, password, actor } = options;
  assertOperatorName(name);
  assertOperatorRole(role);
  assertPassword(password);
  const passwordHash = await ctx.services.passwords.run(() => hashPassword(password));
  return inTransaction(ctx, async (tx) => {
    if ((await tx.store.getOperator(name)) !== undefined) throw legateError('ERR_CONFLICT', `an operator named ${name} exists`, { claim: 'name' });
    const did = role === 'viewer' ? undefined : await operatorKey(tx);
    const record = { name, role, passwordHash, failedCount: 0, createdAt: ctx.clock().toISOString(), ...(did === undefined ? {} : { did }) };
    if (!(await tx.store.putOperator(record))) throw legateError('ERR_CONFLICT', `an operator named ${name} exists`, { claim: 'name' });
    await audit(tx, { type: 'operator', action: 'add', details: { operator: actor, name, role, ...(did === undefined ? {} : { did }) } });
    return operatorView(record, ctx.clock());
  });
}

/** A new did:key whose key this node holds: an operator's signing identity. */
export async function operatorKey(ctx: NodeContext): Promise<string> {
  const key = await ctx.keys.generate((publicKey) => {
    const did = didKeyFromPublicKey(publicKey);
    return { kid: didKeyVerificationMethodId(did), controller: did };
  });
  return key.controller;
}
