/**
 * @module store/sql/operators
 *
 * Operators and their sessions over a {@link SqlExecutor}. A failed sign-in
 * and a TOTP step are each one conditional statement, so instances of a
 * fleet racing on one account neither lose a failure nor both accept one
 * code. Internal.
 */

import type { OperatorPatch, OperatorRole, OperatorRecord, OperatorRepository, OperatorSessionRecord } from '../ports/operators.js';
import { runBulk, type SqlExecutor, type SqlValue } from './executor.js';

interface OperatorRow {
  name: string;
  role: string;
  password_hash: string;
  totp_secret: Uint8Array | null;
  totp_last_step: number | string | null;
  failed_count: number | string;
  locked_until: string | null;
  did: string | null;
  created_at: string;
  disabled_at: string | null;
}

interface SessionRow {
  id: string;
  operator: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

const COLUMNS = 'name, role, password_hash, totp_secret, totp_last_step, failed_count, locked_until, did, created_at, disabled_at';

const PATCH_COLUMNS: Record<keyof OperatorPatch, string> = {
  role: 'role',
  passwordHash: 'password_hash',
  totpSecret: 'totp_secret',
  totpLastStep: 'totp_last_step',
  failedCount: 'failed_count',
  lockedUntil: 'locked_until',
  did: 'did',
  disabledAt: 'disabled_at',
};

function recordOf(row: OperatorRow): OperatorRecord {
  return {
    name: row.name,
    role: row.role as OperatorRole,
    passwordHash: row.password_hash,
    ...(row.totp_secret === null ? {} : { totpSecret: new Uint8Array(row.totp_secret) }),
    ...(row.totp_last_step === null ? {} : { totpLastStep: Number(row.totp_last_step) }),
    failedCount: Number(row.failed_count),
    ...(row.locked_until === null ? {} : { lockedUntil: row.locked_until }),
    ...(row.did === null ? {} : { did: row.did }),
    createdAt: row.created_at,
    ...(row.disabled_at === null ? {} : { disabledAt: row.disabled_at }),
  };
}

const sessionOf = (row: SessionRow): OperatorSessionRecord => ({
  id: row.id,
  operator: row.operator,
  csrfToken: row.csrf_token,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  expiresAt: row.expires_at,
});

export function createOperatorRepository(exec: SqlExecutor): OperatorRepository {
  const getOperator = async (name: string) => {
    const row = await exec.get<OperatorRow>(`SELECT ${COLUMNS} FROM operators WHERE name = ?`, [name]);
    return row && recordOf(row);
  };
  return {
    async putOperator(o) {
      const stored = await exec.get(
        `INSERT INTO operators (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING name`,
        [o.name, o.role, o.passwordHash, o.totpSecret ?? null, o.totpLastStep ?? null, o.failedCount, o.lockedUntil ?? null, o.did ?? null, o.createdAt, o.disabledAt ?? null],
      );
      return stored !== undefined;
    },
    getOperator,
    async listOperators() {
      return (await exec.all<OperatorRow>(`SELECT ${COLUMNS} FROM operators ORDER BY name`)).map(recordOf);
    },
    async updateOperator(name, patch) {
      const entries = (Object.keys(patch) as (keyof OperatorPatch)[]).filter((k) => k in PATCH_COLUMNS);
      if (entries.length > 0) {
        const values: SqlValue[] = entries.map((k) => (patch[k] ?? null));
        await exec.run(`UPDATE operators SET ${entries.map((k) => `${PATCH_COLUMNS[k]} = ?`).join(', ')} WHERE name = ?`, [...values, name]);
      }
      return getOperator(name);
    },
    async recordSignInFailure(name, max, lockUntil) {
      await exec.run(
        `UPDATE operators SET
           locked_until = CASE WHEN failed_count + 1 >= ? THEN ? ELSE locked_until END,
           failed_count = CASE WHEN failed_count + 1 >= ? THEN 0 ELSE failed_count + 1 END
         WHERE name = ?`,
        [max, lockUntil, max, name],
      );
      return getOperator(name);
    },
    async claimTotpStep(name, step) {
      const { changes } = await exec.run('UPDATE operators SET totp_last_step = ? WHERE name = ? AND (totp_last_step IS NULL OR totp_last_step < ?)', [step, name, step]);
      return changes === 1;
    },
    async putOperatorSession(s) {
      await exec.run('INSERT INTO operator_sessions (id, operator, csrf_token, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [
        s.id,
        s.operator,
        s.csrfToken,
        s.createdAt,
        s.lastSeenAt,
        s.expiresAt,
      ]);
    },
    async getOperatorSession(id) {
      const row = await exec.get<SessionRow>('SELECT id, operator, csrf_token, created_at, last_seen_at, expires_at FROM operator_sessions WHERE id = ?', [id]);
      return row && sessionOf(row);
    },
    async touchOperatorSession(id, at) {
      await exec.run('UPDATE operator_sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?', [at, id, at]);
    },
    async deleteOperatorSession(id) {
      await exec.run('DELETE FROM operator_sessions WHERE id = ?', [id]);
    },
    async deleteOperatorSessions(operator) {
      return (await exec.run('DELETE FROM operator_sessions WHERE operator = ?', [operator])).changes;
    },
    async sweepOperatorSessions(now) {
      return (await runBulk(exec, 'DELETE FROM operator_sessions WHERE expires_at < ?', [now])).changes;
    },
  };
}
