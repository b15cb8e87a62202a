/**
 * @module store/sql/maintenance
 *
 * The sweep over a {@link SqlExecutor}: deleting every row whose
 * `expires_at` has passed — sessions, peer sessions, acknowledges, one-time
 * keys, and usage rows that have an expiry (usage written without one is
 * kept) — a bounded batch at a time, each batch a bulk transaction of its
 * own (`deleteInBatches`; inside a caller's transaction, statements of
 * it). Timestamps are ISO 8601 UTC text, so `expires_at <= now` compares
 * them correctly. The integrity check is the backend's own, handed in, run
 * on the scope's executor (inside its transaction, if any). Internal.
 */

import type { MaintenanceRepository } from '../ports/maintenance.js';
import type { IntegrityReport, SweepResult } from '../types.js';
import { deleteInBatches, type SqlExecutor } from './executor.js';

/** The backend's own integrity check (SQLite's `quick_check`; PostgreSQL has none to run), on the executor of the scope that asks. */
export type IntegrityCheck = (options: { quick?: boolean }, exec: SqlExecutor) => Promise<IntegrityReport>;

/** The tables a sweep empties of expired rows, in the order of {@link SweepResult}, each with its primary key. */
const SWEPT = [
  ['sessions', 'sessions', 'id'],
  ['peerSessions', 'peer_sessions', 'agent, peer'],
  ['acknowledges', 'acknowledges', 'id'],
  ['oneTimeKeys', 'one_time_keys', 'key'],
  ['usage', 'usage', 'seq'],
] as const satisfies readonly (readonly [keyof SweepResult, string, string])[];

export function createMaintenanceRepository(exec: SqlExecutor, checkIntegrity: IntegrityCheck): MaintenanceRepository {
  return {
    async sweep(now) {
      const result: SweepResult = { sessions: 0, peerSessions: 0, acknowledges: 0, oneTimeKeys: 0, usage: 0 };
      for (const [name, table, key] of SWEPT) {
        result[name] = await deleteInBatches(exec, table, key, 'expires_at IS NOT NULL AND expires_at <= ?', [now]);
      }
      // Bookkeeping, not reported, and after every session: no session still in the table names a JWT whose expiry has passed (see `./sessions`).
      if (exec.hooks?.sessionTokens === true) await deleteInBatches(exec, 'session_tokens', 'hash', 'expires_at <= ?', [now]);
      return result;
    },
    checkIntegrity: (options = {}) => checkIntegrity(options, exec),
  };
}
