/**
 * @module node/operators/roles
 *
 * The roles of the people who run a node (the console's operators), weakest
 * first: a `viewer` looks; an `approver` also decides human approval
 * requests; an `admin` also changes state (revokes, suspends, reinstates,
 * retires) and manages operators.
 */

export const OPERATOR_ROLES = ['viewer', 'approver', 'admin'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** True when `role` is at least `required`. */
export const roleAtLeast = (role: OperatorRole, required: OperatorRole): boolean => OPERATOR_ROLES.indexOf(role) >= OPERATOR_ROLES.indexOf(required);
