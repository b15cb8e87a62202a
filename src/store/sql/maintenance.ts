/**
 * @module store/sql/maintenance
 *
 * The sweep over a {@link SqlExecutor}: one transaction (a savepoint inside
 * one) deleting every row whose `expires_at` has passed — sessions, peer
 * sessions, acknowledges, one-time keys, and usage rows that have an expiry
 * (usage written without one is kept). Timestamps are ISO 8601 UTC text, so
 * `expires_at <= now` compares them correctly. The integrity check is the
 * backend's own, handed in. Internal.
 */

import type { MaintenanceRepository } from '../ports/maintenance.js';
import type { IntegrityReport, SweepResult } from '../types.js';
import type { SqlExecutor } from './executor.js';

/** The tables a sweep empties of expired rows, in the order of {@link SweepResult}. */
const SWEPT = [
  ['sessions', 'sessions'],
  ['peerSessions', 'peer_sessions'],
  ['acknowledges', 'acknowledges'],
  ['oneTimeKeys', 'one_time_keys'],
  ['usage', 'usage'],
] as const satisfies readonly (readonly [keyof SweepResult, string])[];

export function createMaintenanceRepository(
  exec: SqlExecutor,
  checkIntegrity: (options: { quick?: boolean }) => Promise<IntegrityReport>,
): MaintenanceRepository {
  return {
    sweep(now) {
      return exec.transaction(async (tx) => {
        const result: SweepResult = { sessions: 0, peerSessions: 0, acknowledges: 0, oneTimeKeys: 0, usage: 0 };
        for (const [name, table] of SWEPT) {
          result[name] = (await tx.run(`DELETE FROM ${table} WHERE expires_at IS NOT NULL AND expires_at <= ?`, [now])).changes;
        }
        return result;
      });
    },
    checkIntegrity: (options = {}) => checkIntegrity(options),
  };
}
