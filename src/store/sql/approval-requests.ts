/**
 * @module store/sql/approval-requests
 *
 * The approval inbox over a {@link SqlExecutor}. Storing checks the agent's
 * bound and inserts in one statement, and a decision is one conditional
 * update, so two operators deciding at once cannot both win. Internal.
 */

import type { ApprovalRequestRecord, ApprovalRequestRepository, ApprovalRequestStatus } from '../ports/approval-requests.js';
import { BULK, type SqlExecutor, type SqlValue } from './executor.js';

interface Row {
  id: string;
  agent: string;
  peer: string;
  request: string;
  action_hash: string;
  attribution: string;
  accepts: string;
  status: string;
  created_at: string;
  expires_at: string;
  decided_by: string | null;
  operator: string | null;
  decided_at: string | null;
  approval: string | null;
  approver_credential: string | null;
  reason: string | null;
}

const COLUMNS = 'id, agent, peer, request, action_hash, attribution, accepts, status, created_at, expires_at, decided_by, operator, decided_at, approval, approver_credential, reason';

const optional = <K extends string>(key: K, value: string | null) => (value === null ? {} : ({ [key]: value } as Record<K, string>));

function recordOf(row: Row): ApprovalRequestRecord {
  return {
    id: row.id,
    agent: row.agent,
    peer: row.peer,
    request: JSON.parse(row.request) as ApprovalRequestRecord['request'],
    actionHash: row.action_hash,
    attribution: JSON.parse(row.attribution) as string[],
    accepts: JSON.parse(row.accepts) as string[],
    status: row.status as ApprovalRequestStatus,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...optional('decidedBy', row.decided_by),
    ...optional('operator', row.operator),
    ...optional('decidedAt', row.decided_at),
    ...optional('approval', row.approval),
    ...optional('approverCredential', row.approver_credential),
    ...optional('reason', row.reason),
  };
}

export function createApprovalRequestRepository(exec: SqlExecutor): ApprovalRequestRepository {
  return {
    async putApprovalRequest(r, maxPending) {
      const stored = await exec.get(
        `INSERT INTO approval_requests (id, agent, peer, request, action_hash, attribution, accepts, status, created_at, expires_at)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM approval_requests WHERE agent = ? AND status = 'pending') < ?
         RETURNING id`,
        [r.id, r.agent, r.peer, JSON.stringify(r.request), r.actionHash, JSON.stringify(r.attribution), JSON.stringify(r.accepts), r.status, r.createdAt, r.expiresAt, r.agent, maxPending],
      );
      return stored !== undefined;
    },
    async getApprovalRequest(id) {
      const row = await exec.get<Row>(`SELECT ${COLUMNS} FROM approval_requests WHERE id = ?`, [id]);
      return row && recordOf(row);
    },
    async listApprovalRequests(query) {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (query.status !== undefined) {
        where.push('status = ?');
        params.push(query.status);
      }
      if (query.agent !== undefined) {
        where.push('agent = ?');
        params.push(query.agent);
      }
      const rows = await exec.all<Row>(`SELECT ${COLUMNS} FROM approval_requests ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY created_at DESC, id DESC LIMIT ?`, [...params, query.limit]);
      return rows.map(recordOf);
    },
    async decideApprovalRequest(id, from, d) {
      const { changes } = await exec.run(
        `UPDATE approval_requests SET status = ?, decided_by = COALESCE(?, decided_by), operator = COALESCE(?, operator), decided_at = COALESCE(?, decided_at),
           approval = COALESCE(?, approval), approver_credential = COALESCE(?, approver_credential), reason = COALESCE(?, reason) WHERE id = ? AND status = ?`,
        [d.status, d.decidedBy ?? null, d.operator ?? null, d.decidedAt ?? null, d.approval ?? null, d.approverCredential ?? null, d.reason ?? null, id, from],
      );
      return changes === 1;
    },
    sweepApprovalRequests(now, forgetBefore) {
      return exec.transaction(async (tx): Promise<[number, number]> => {
        const expired = (await tx.run("UPDATE approval_requests SET status = 'expired' WHERE status = 'pending' AND expires_at < ?", [now])).changes;
        const deleted = (await tx.run("DELETE FROM approval_requests WHERE status <> 'pending' AND expires_at < ?", [forgetBefore])).changes;
        return [expired, deleted];
      }, BULK);
    },
  };
}
