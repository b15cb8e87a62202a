/**
 * @module node/operators/validate
 *
 * What an operator's name, role and password must be, checked once for
 * every operation that takes them.
 */

import { legateError } from '../../errors/index.js';
import { OPERATOR_ROLES, type OperatorRole } from './roles.js';

/** Lower-case letters, digits, `.`, `_`, `-`; 1 to 64 characters. */
export const OPERATOR_NAME = /^[a-z0-9._-]{1,64}$/;
/** Shortest password accepted (NIST SP 800-63B asks at least 8; a console that can revoke asks more). */
export const MIN_PASSWORD = 12;
/** Longest password accepted: scrypt's work does not grow with it, but parsing a form does. */
export const MAX_PASSWORD = 1024;

/** @throws InputError `ERR_INVALID_ARGUMENT` (claim `name`). */
export function assertOperatorName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !OPERATOR_NAME.test(name)) {
    throw legateError('ERR_INVALID_ARGUMENT', 'an operator name is 1 to 64 of a-z 0-9 . _ -', { claim: 'name' });
  }
}

/** @throws InputError `ERR_INVALID_ARGUMENT` (claim `role`). */
export function assertOperatorRole(role: unknown): asserts role is OperatorRole {
  if (typeof role !== 'string' || !(OPERATOR_ROLES as readonly string[]).includes(role)) {
    throw legateError('ERR_INVALID_ARGUMENT', `role must be one of ${OPERATOR_ROLES.join(', ')}`, { claim: 'role' });
  }
}

/** @throws InputError `ERR_INVALID_ARGUMENT` (claim `password`), never echoing it. */
export function assertPassword(password: unknown): asserts password is string {
  if (typeof password !== 'string' || [...password].length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    throw legateError('ERR_INVALID_ARGUMENT', `a password is ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`, { claim: 'password' });
  }
}
