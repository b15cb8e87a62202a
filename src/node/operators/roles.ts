/**
 * @module node/operators/roles
 *
 * The roles of the people who run a node (the console's operators), weakest
 * first: a `viewer` looks; an `approver` also decides human approval
 * requests; an `admin` also changes state (revokes, suspends, reinstates,
 * retires) and manages operators.
 */

import type { OperatorRole } from '../../store/ports/operators.js';

export type { OperatorRole };

export const OPERATOR_ROLES: readonly OperatorRole[] = ['viewer', 'approver', 'admin'];

/** True when `role` is at least `required`. */
export const roleAtLeast = (role: OperatorRole, required: OperatorRole): boolean => OPERATOR_ROLES.indexOf(role) >= OPERATOR_ROLES.indexOf(required);
