/**
 * @module node/operators/view
 *
 * An operator as it is shown (CLI, `GET /admin/operators`, the console):
 * never its password hash or TOTP secret.
 */

import type { OperatorRecord } from '../../store/ports/operators.js';
import type { OperatorRole } from './roles.js';

export interface OperatorView {
  name: string;
  role: OperatorRole;
  /** The operator's own did:key, for the approvals it signs (approver and admin). */
  did?: string | undefined;
  totp: boolean;
  /** ISO 8601, when sign-in is locked until then. */
  lockedUntil?: string | undefined;
  createdAt: string;
  /** When removed. */
  disabledAt?: string | undefined;
}

/** The view of `record` at `now` (a lock that ended is not shown). */
export function operatorView(record: OperatorRecord, now: Date): OperatorView {
  const locked = record.lockedUntil !== undefined && Date.parse(record.lockedUntil) > now.getTime();
  return {
    name: record.name,
    role: record.role,
    ...(record.did === undefined ? {} : { did: record.did }),
    totp: record.totpSecret !== undefined,
    ...(locked ? { lockedUntil: record.lockedUntil } : {}),
    createdAt: record.createdAt,
    ...(record.disabledAt === undefined ? {} : { disabledAt: record.disabledAt }),
  };
}
