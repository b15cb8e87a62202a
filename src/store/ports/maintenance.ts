/**
 * @module store/ports/maintenance
 *
 * What keeps a store healthy: deleting what has expired, and checking the
 * backend's own integrity.
 */

import type { IntegrityReport, SweepResult } from '../types.js';

/** Sweeping and integrity checks. */
export interface MaintenanceRepository {
  /**
   * Deletes everything whose lifetime ended at or before `now` (ISO 8601
   * UTC): sessions, peer sessions, acknowledges, one-time keys, and usage rows
   * with an `expiresAt`. In batches of a bounded number of rows, each
   * committed on its own (inside a transaction, all in it), so a backlog
   * never becomes one long transaction. Lookups may return expired rows
   * until a sweep; callers check expiry themselves.
   */
  sweep(now: string): Promise<SweepResult>;
  /**
   * Runs the backend's integrity check (for SQLite, `PRAGMA quick_check` or
   * `integrity_check`; a full check reads every page). A failed check marks
   * the store damaged: from then on it refuses writes with
   * `ERR_STORE_CORRUPT`, as it does after any corruption error.
   */
  checkIntegrity(options?: { quick?: boolean }): Promise<IntegrityReport>;
}
