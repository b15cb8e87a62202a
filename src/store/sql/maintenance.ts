/**
 * @module store/sql/maintenance
 *
 * The sweep over a {@link SqlExecutor}: one bulk transaction (a savepoint
 * inside one; see `TransactionOptions.bulk`) deleting every row whose `expires_at` has passed — sessions, peer
 * sessions, acknowledges, one-time keys, and usage rows that have an expiry
 * (usage written without one is kept). Timestamps are ISO 8601 UTC text, so
 * `expires_at <= now` compares them correctly. The integrity check is the
 * backend's own, handed in, run on the scope's executor (inside its
 * transaction, if any). Internal.
 */

import type { MaintenanceRepository } from '../ports/maintenance.js';
import type { IntegrityReport, SweepResult } from '../types.js';
import { BULK, type SqlExecutor } from './executor.js';

/** The backend's own integrity check (SQLite's `quick_check`; PostgreSQL has none to run), on the executor of the scope that asks. */
export type IntegrityCheck = (options: { quick?: boolean }, exec: SqlExecutor) => Promise<IntegrityReport>;

/** The tables a sweep empties of expired rows, in the order of {@link SweepResult}. */
const SWEPT = [
  ['sessions', 'sessions'],
  ['peerSessions', 'peer_sessions'],
  ['acknowledges', 'acknowledges'],
  ['oneTimeKeys', 'one_time_keys'],
  ['usage', 'usage'],
] as const satisfies readonly (readonly [keyof SweepResult, string])[];

export function createMaintenanceRepository(exec: SqlExecutor, checkIntegrity: IntegrityCheck): MaintenanceRepository {
  return {
    sweep(now) {
      return exec.transaction(async (tx) => {
        const result: SweepResult = { sessions: 0, peerSessions: 0, acknowledges: 0, oneTimeKeys: 0, usage: 0 };
        for (const [name, table] of SWEPT) {
          result[name] = (await tx.run(`DELETE FROM ${table} WHERE expires_at IS NOT NULL AND expires_at <= ?`, [now])).changes;
        }
        // Bookkeeping, not reported: no session still in the table names a JWT whose expiry has passed (see `./sessions`).
        if (tx.hooks?.sessionTokens === true) await tx.run('DELETE FROM session_tokens WHERE expires_at <= ?', [now]);
        return result;
      }, BULK);
    },
    checkIntegrity: (options = {}) => checkIntegrity(options, exec),
  };
}
