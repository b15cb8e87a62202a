/**
 * @module store/sql/errors
 *
 * What a driver's failure becomes, the same for every backend and the same
 * as the SQLite store has always reported: a unique violation is
 * `ERR_CONFLICT` naming the entity and the column (`claim`), never a value;
 * the one organization is "an organization already exists"; anything else
 * is `ERR_STORE` with the driver's code as `reason` and its error as `cause`.
 * Messages are built from table and column names only. Internal.
 */

import { isLegateError, legateError, StoreError, type LegateError } from '../../errors/index.js';

const ENTITY_OF_TABLE: Readonly<Record<string, string>> = {
  organization: 'organization',
  agents: 'agent',
  keys: 'key',
  credentials: 'credential',
  status_lists: 'status list',
  status_allocations: 'status allocation',
  audit_entries: 'audit entry',
  audit_checkpoints: 'audit checkpoint',
  sessions: 'session',
  peer_sessions: 'peer session',
  acknowledges: 'acknowledge',
  pending_changes: 'pending change',
};

/** The `ERR_CONFLICT` for a unique (or primary key) violation on `table`, first `column` of the key. */
export function uniqueViolation(table: string | undefined, column: string | undefined, cause: unknown): LegateError {
  if (table === 'organization') {
    return legateError('ERR_CONFLICT', 'an organization already exists', { reason: 'duplicate', cause });
  }
  const entity = (table !== undefined && ENTITY_OF_TABLE[table]) || 'row';
  return legateError('ERR_CONFLICT', column === undefined ? `${entity} already exists` : `${entity} with this ${column} already exists`, {
    ...(column === undefined ? {} : { claim: column }),
    reason: 'duplicate',
    cause,
  });
}

/** Any other driver failure: `ERR_STORE`, with the driver's error code when it has one. */
export function driverFailure(what: string, code: string | undefined, cause: unknown): LegateError {
  return legateError('ERR_STORE', code === undefined ? `${what} failed` : `${what} failed (${code})`, {
    ...(code === undefined ? {} : { reason: code }),
    cause,
  });
}

/**
 * Maps anything thrown during `operation` to a Legate error: Legate errors
 * (the store's own `ERR_NOT_FOUND` and `ERR_CONFLICT`, driver errors the
 * driver already mapped) pass through; the rest becomes `ERR_STORE`.
 */
export function toStoreError(error: unknown, operation: string): LegateError {
  if (error instanceof StoreError || isLegateError(error)) return error;
  return driverFailure(operation, undefined, error);
}
