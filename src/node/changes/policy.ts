/**
 * @module node/changes/policy
 *
 * The second-person policy (#18): which changes an operator asks for
 * (revoking, suspending or reinstating a credential, retiring an agent) wait
 * for a second, different admin's confirmation; who may ask; and how long a
 * change waits. An operator is who the caller says it is (`{ name, role }`):
 * the console's accounts and sessions authenticate them, the CLI's holder
 * of the data directory is an admin.
 */

import { legateError } from '../../errors/index.js';
import type { PendingChangeKind } from '../../store/ports/pending-changes.js';
import { roleAtLeast, type OperatorRole } from '../operators/roles.js';

export type ChangeKind = PendingChangeKind;

/** The kinds of change, as the `operators.secondPerson` setting names them. */
export const CHANGE_KINDS: readonly ChangeKind[] = ['revoke', 'suspend', 'reinstate', 'retire'];

/** The `operators.*` settings. */
export interface ChangePolicy {
  /** The kinds that wait for a second operator; empty: every change takes effect at once. */
  secondPerson: readonly ChangeKind[];
  /** How long a change waits for its confirmation, in seconds. */
  lifetimeSeconds: number;
}

export const DEFAULT_CHANGE_POLICY: ChangePolicy = { secondPerson: [], lifetimeSeconds: 86_400 };

/** A person running the node, as the caller authenticated them. */
export interface Operator {
  name: string;
  role: OperatorRole;
}

/** Longest operator name kept, in characters. */
const MAX_OPERATOR_NAME = 128;

/**
 * Checks that `operator` is named and may make changes (admin).
 * @throws `ERR_INVALID_ARGUMENT` (claim `operator`) for a missing or unprintable name; `ERR_OPERATOR_ROLE` for a viewer or approver.
 */
export function assertAdmin(operator: Operator, what: string): void {
  if (typeof operator?.name !== 'string' || operator.name.length === 0 || operator.name.length > MAX_OPERATOR_NAME || /[\p{Cc}]/u.test(operator.name)) {
    throw legateError('ERR_INVALID_ARGUMENT', `an operator name of 1 to ${MAX_OPERATOR_NAME} printable characters is required`, { claim: 'operator' });
  }
  if (!roleAtLeast(operator.role, 'admin')) {
    throw legateError('ERR_OPERATOR_ROLE', `only an admin may ${what}`, { claim: 'operator', reason: operator.role });
  }
}

/** Whether `kind` is a change kind. */
export const isChangeKind = (kind: unknown): kind is ChangeKind => typeof kind === 'string' && (CHANGE_KINDS as readonly string[]).includes(kind);
