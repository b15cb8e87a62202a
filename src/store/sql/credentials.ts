/**
 * @module store/sql/credentials
 *
 * Credentials as transmitted, over a {@link SqlExecutor}: by id, or listed
 * by issuer, subject and type (any combination), oldest first with ties in
 * insertion order. One statement text per combination of filters, so each
 * stays a prepared statement. Internal.
 */

import type { CredentialRepository } from '../ports/credentials.js';
import type { CredentialQuery, CredentialRecord } from '../types.js';
import type { SqlExecutor, SqlValue } from './executor.js';

interface CredentialRow {
  id: string;
  type: string;
  issuer: string;
  subject: string;
  format: CredentialRecord['format'];
  token: string;
  issued_at: string;
  valid_until: string | null;
}

const COLUMNS = 'id, type, issuer, subject, format, token, issued_at, valid_until';
/** The hot statements' text, built once (the statement cache is keyed by it). */
const BY_ID = `SELECT ${COLUMNS} FROM credentials WHERE id = ?`;
const FILTERS = ['issuer', 'subject', 'type'] as const;

function credentialFromRow(row: CredentialRow): CredentialRecord {
  const record: CredentialRecord = {
    id: row.id,
    type: row.type,
    issuer: row.issuer,
    subject: row.subject,
    format: row.format,
    token: row.token,
    issuedAt: row.issued_at,
  };
  if (row.valid_until !== null) record.validUntil = row.valid_until;
  return record;
}

/** The WHERE clause of a listing or a page: its filters, and with `after` only rows past that credential in (`issued_at`, `seq`) order. */
function pageWhere(query: CredentialQuery, after: string | undefined): { clause: string; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  for (const filter of FILTERS) {
    const value = query[filter];
    if (value === undefined) continue;
    where.push(`${filter} = ?`);
    params.push(value);
  }
  if (after !== undefined) {
    // An unknown id makes the subquery NULL, so nothing matches.
    where.push('(issued_at, seq) > (SELECT issued_at, seq FROM credentials WHERE id = ?)');
    params.push(after);
  }
  return { clause: where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`, params };
}

export function createCredentialRepository(exec: SqlExecutor): CredentialRepository {
  return {
    async putCredential(c) {
      await exec.run(`INSERT INTO credentials (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
        c.id,
        c.type,
        c.issuer,
        c.subject,
        c.format,
        c.token,
        c.issuedAt,
        c.validUntil ?? null,
      ]);
    },
    async getCredential(id) {
      const row = await exec.get<CredentialRow>(BY_ID, [id]);
      return row && credentialFromRow(row);
    },
    async listCredentials(query = {}) {
      const { clause, params } = pageWhere(query, undefined);
      const rows = await exec.all<CredentialRow>(`SELECT ${COLUMNS} FROM credentials${clause} ORDER BY issued_at, seq`, params);
      return rows.map(credentialFromRow);
    },
    async listHeldCredentials({ subject, at, limit }) {
      // The by-subject index walked backwards; expired rows are passed over.
      const rows = await exec.all<CredentialRow>(
        `SELECT ${COLUMNS} FROM credentials WHERE subject = ? AND (valid_until IS NULL OR valid_until > ?) ORDER BY issued_at DESC, seq DESC LIMIT ?`,
        [subject, at, limit],
      );
      return rows.map(credentialFromRow);
    },
    async pageCredentials(query) {
      const { clause, params } = pageWhere(query, query.after);
      const rows = await exec.all<CredentialRow>(`SELECT ${COLUMNS} FROM credentials${clause} ORDER BY issued_at, seq LIMIT ?`, [...params, query.limit]);
      return rows.map(credentialFromRow);
    },
  };
}
