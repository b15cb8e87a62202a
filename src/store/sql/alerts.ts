/**
 * @module store/sql/alerts
 *
 * Alerts and remembered capability uses over a {@link SqlExecutor}. Storing
 * an alert and remembering a use are each one `INSERT … ON CONFLICT DO
 * NOTHING RETURNING`, so of two instances racing on one dedupe key (or one
 * agent's capability) exactly one gets a row back. Internal.
 */

import type { AlertRecord, AlertRepository, AlertSeverity } from '../ports/alerts.js';
import { runBulk, type SqlExecutor, type SqlValue } from './executor.js';

interface AlertRow {
  id: string;
  rule: string;
  severity: string;
  subject: string;
  message: string;
  details: string;
  fired_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
}

const COLUMNS = 'id, rule, severity, subject, message, details, fired_at, acknowledged_at, acknowledged_by';

function recordOf(row: AlertRow): AlertRecord {
  let details: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.details);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) details = parsed as Record<string, unknown>;
  } catch {
    // A row written by this module always parses; anything else reads as no details.
  }
  return {
    id: row.id,
    rule: row.rule,
    severity: row.severity as AlertSeverity,
    subject: row.subject,
    message: row.message,
    details,
    firedAt: row.fired_at,
    ...(row.acknowledged_at === null ? {} : { acknowledgedAt: row.acknowledged_at }),
    ...(row.acknowledged_by === null ? {} : { acknowledgedBy: row.acknowledged_by }),
  };
}

export function createAlertRepository(exec: SqlExecutor): AlertRepository {
  const getAlert = async (id: string) => {
    const row = await exec.get<AlertRow>(`SELECT ${COLUMNS} FROM alerts WHERE id = ?`, [id]);
    return row && recordOf(row);
  };
  return {
    async putAlert(a, dedupeKey) {
      const stored = await exec.get(
        `INSERT INTO alerts (id, rule, severity, subject, message, details, dedupe_key, fired_at, acknowledged_at, acknowledged_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
        [a.id, a.rule, a.severity, a.subject, a.message, JSON.stringify(a.details), dedupeKey, a.firedAt, a.acknowledgedAt ?? null, a.acknowledgedBy ?? null],
      );
      return stored !== undefined;
    },
    getAlert,
    async listAlerts(query) {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (query.rule !== undefined) {
        where.push('rule = ?');
        params.push(query.rule);
      }
      if (query.since !== undefined) {
        where.push('fired_at >= ?');
        params.push(query.since);
      }
      if (query.open === true) where.push('acknowledged_at IS NULL');
      const rows = await exec.all<AlertRow>(
        `SELECT ${COLUMNS} FROM alerts ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY fired_at DESC, id DESC LIMIT ?`,
        [...params, query.limit],
      );
      return rows.map(recordOf);
    },
    async acknowledgeAlert(id, at, by) {
      await exec.run('UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL', [at, by, id]);
      return getAlert(id);
    },
    async countOpenAlerts() {
      const rows = await exec.all<{ rule: string; count: number | string }>('SELECT rule, COUNT(*) AS count FROM alerts WHERE acknowledged_at IS NULL GROUP BY rule ORDER BY rule');
      return rows.map((r) => ({ rule: r.rule, count: Number(r.count) }));
    },
    async sweepAlerts(before) {
      return (await runBulk(exec, 'DELETE FROM alerts WHERE acknowledged_at IS NOT NULL AND acknowledged_at < ?', [before])).changes;
    },
    async recordCapabilityUse(agent, capability, at, max) {
      const stored = await exec.get(
        `INSERT INTO capability_uses (agent, capability, first_at)
         SELECT ?, ?, ? WHERE (SELECT COUNT(*) FROM capability_uses) < ?
         ON CONFLICT (agent, capability) DO NOTHING RETURNING agent`,
        [agent, capability, at, max],
      );
      return stored !== undefined;
    },
  };
}
