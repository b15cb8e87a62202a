/**
 * @module store/sql/pending-changes
 *
 * Changes waiting for a second operator over a {@link SqlExecutor}: table
 * `pending_changes`. A decision is one conditional `UPDATE … WHERE status =
 * 'pending' AND expires_at > ?`, so of two operators (or instances)
 * deciding at once exactly one wins, on either backend, with no lock.
 * Internal.
 */

import type { PendingChangeKind, PendingChangeRecord, PendingChangeRepository, PendingChangeStatus } from '../ports/pending-changes.js';
import { runBulk, type SqlExecutor } from './executor.js';

interface PendingChangeRow {
  id: string;
  kind: string;
  target: string;
  reason: string | null;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  status: string;
  decided_by: string | null;
  decided_at: string | null;
}

const COLUMNS = 'id, kind, target, reason, requested_by, requested_at, expires_at, status, decided_by, decided_at';

function recordOf(row: PendingChangeRow): PendingChangeRecord {
  return {
    id: row.id,
    kind: row.kind as PendingChangeKind,
    target: row.target,
    ...(row.reason === null ? {} : { reason: row.reason }),
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    status: row.status as PendingChangeStatus,
    ...(row.decided_by === null ? {} : { decidedBy: row.decided_by }),
    ...(row.decided_at === null ? {} : { decidedAt: row.decided_at }),
  };
}

export function createPendingChangeRepository(exec: SqlExecutor): PendingChangeRepository {
  return {
    async putPendingChange(c) {
      await exec.run(`INSERT INTO pending_changes (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        c.id,
        c.kind,
        c.target,
        c.reason ?? null,
        c.requestedBy,
        c.requestedAt,
        c.expiresAt,
        c.status,
        c.decidedBy ?? null,
        c.decidedAt ?? null,
      ]);
    },
    async getPendingChange(id) {
      const row = await exec.get<PendingChangeRow>(`SELECT ${COLUMNS} FROM pending_changes WHERE id = ?`, [id]);
      return row === undefined ? undefined : recordOf(row);
    },
    async listPendingChanges(query) {
      const limit = Math.max(1, Math.min(1000, Math.floor(query.limit)));
      const rows =
        query.status === undefined
          ? await exec.all<PendingChangeRow>(`SELECT ${COLUMNS} FROM pending_changes ORDER BY requested_at DESC, id LIMIT ?`, [limit])
          : await exec.all<PendingChangeRow>(`SELECT ${COLUMNS} FROM pending_changes WHERE status = ? ORDER BY requested_at DESC, id LIMIT ?`, [query.status, limit]);
      return rows.map(recordOf);
    },
    async decidePendingChange(id, status, by, at) {
      const { changes } = await exec.run(
        "UPDATE pending_changes SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending' AND expires_at > ?",
        [status, by, at, id, at],
      );
      return changes === 1;
    },
    async expirePendingChanges(now) {
      return (await runBulk(exec, "UPDATE pending_changes SET status = 'expired', decided_at = expires_at WHERE status = 'pending' AND expires_at <= ?", [now])).changes;
    },
    async deletePendingChangesBefore(before) {
      return (await runBulk(exec, "DELETE FROM pending_changes WHERE status <> 'pending' AND decided_at < ?", [before])).changes;
    },
  };
}
