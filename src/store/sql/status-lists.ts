/**
 * @module store/sql/status-lists
 *
 * Bitstring Status Lists and their allocations over a {@link SqlExecutor}.
 * `UNIQUE (list_id, idx)` is what guarantees an index is never handed out
 * twice, whatever the callers do. Inside a transaction every read that
 * decides a write takes the list's lock first ({@link lockKey}): the newest
 * list of an issuer and purpose (so two instances do not both open a new
 * one), a list's allocations (so they do not pick the same free index and
 * fail), and a list's bits (so two status changes on one list cannot lose
 * one another's bit). Internal.
 */

import { legateError } from '../../errors/index.js';
import type { StatusListRepository } from '../ports/status-lists.js';
import type { StatusAllocation, StatusListRecord, StatusPurpose } from '../types.js';
import { lockKey, type SqlExecutor, type SqlValue } from './executor.js';

interface ListRow {
  id: string;
  issuer: string;
  purpose: StatusPurpose;
  size: number;
  bits: Uint8Array;
  version: number;
  token: string | null;
  created_at: string;
  updated_at: string;
}

interface AllocationRow {
  credential_id: string;
  purpose: StatusPurpose;
  list_id: string;
  idx: number;
}

const COLUMNS = 'id, issuer, purpose, size, bits, version, token, created_at, updated_at';
/** The hot statements' text, built once (the statement cache is keyed by it). */
const BY_ID = `SELECT ${COLUMNS} FROM status_lists WHERE id = ?`;

function listFromRow(row: ListRow): StatusListRecord {
  const list: StatusListRecord = {
    id: row.id,
    issuer: row.issuer,
    purpose: row.purpose,
    size: row.size,
    bits: new Uint8Array(row.bits),
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.token !== null) list.token = row.token;
  return list;
}

function badSize(): Error {
  return legateError('ERR_STORE', 'status list bits do not match its size', { claim: 'bits' });
}

export function createStatusListRepository(exec: SqlExecutor): StatusListRepository {
  return {
    async putStatusList(list) {
      if (list.bits.length * 8 !== list.size) throw badSize();
      await exec.run(`INSERT INTO status_lists (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        list.id,
        list.issuer,
        list.purpose,
        list.size,
        Uint8Array.from(list.bits),
        list.version,
        list.token ?? null,
        list.createdAt,
        list.updatedAt,
      ]);
    },
    async getStatusList(id) {
      await exec.lock(lockKey.statusList(id));
      const row = await exec.get<ListRow>(BY_ID, [id]);
      return row && listFromRow(row);
    },
    async getStatusListToken(id) {
      const row = await exec.get<{ token: string | null }>('SELECT token FROM status_lists WHERE id = ?', [id]);
      return row?.token ?? undefined;
    },
    async listStatusLists(query = {}) {
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (query.issuer !== undefined) {
        where.push('issuer = ?');
        params.push(query.issuer);
      }
      if (query.purpose !== undefined) {
        where.push('purpose = ?');
        params.push(query.purpose);
      }
      const clause = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
      const rows = await exec.all<ListRow>(`SELECT ${COLUMNS} FROM status_lists${clause} ORDER BY created_at, seq`, params);
      return rows.map(listFromRow);
    },
    async latestStatusList(issuer, purpose) {
      await exec.lock(lockKey.statusOpen(issuer, purpose));
      // Newest last in listStatusLists' order (created_at, seq): first in the reverse.
      const row = await exec.get<{ id: string; size: number }>(
        'SELECT id, size FROM status_lists WHERE issuer = ? AND purpose = ? ORDER BY created_at DESC, seq DESC LIMIT 1',
        [issuer, purpose],
      );
      return row && { id: row.id, size: row.size };
    },
    async updateStatusList(id, change) {
      await exec.lock(lockKey.statusList(id));
      const current = await exec.get<{ size: number }>('SELECT size FROM status_lists WHERE id = ?', [id]);
      if (current === undefined) throw legateError('ERR_NOT_FOUND', 'no such status list', { claim: 'id' });
      if (change.bits.length * 8 !== current.size) throw badSize();
      await exec.run('UPDATE status_lists SET bits = ?, version = ?, token = ?, updated_at = ? WHERE id = ?', [
        Uint8Array.from(change.bits),
        change.version,
        change.token ?? null,
        change.updatedAt,
        id,
      ]);
    },
    async putStatusAllocation(a: StatusAllocation) {
      await exec.lock(lockKey.statusList(a.listId));
      await exec.run('INSERT INTO status_allocations (credential_id, purpose, list_id, idx) VALUES (?, ?, ?, ?)', [
        a.credentialId,
        a.purpose,
        a.listId,
        a.index,
      ]);
    },
    async getStatusAllocations(credentialId) {
      const rows = await exec.all<AllocationRow>(
        'SELECT credential_id, purpose, list_id, idx FROM status_allocations WHERE credential_id = ? ORDER BY purpose',
        [credentialId],
      );
      return rows.map((r) => ({ credentialId: r.credential_id, listId: r.list_id, index: r.idx, purpose: r.purpose }));
    },
    async isStatusIndexAllocated(listId, index) {
      await exec.lock(lockKey.statusList(listId));
      return (await exec.get('SELECT 1 AS one FROM status_allocations WHERE list_id = ? AND idx = ?', [listId, index])) !== undefined;
    },
    async countStatusAllocations(listId) {
      await exec.lock(lockKey.statusList(listId));
      // A backend that can bring a remembered count up to date (SQLite) does; the rest count the list.
      if (exec.hooks?.countStatusAllocations !== undefined) return exec.hooks.countStatusAllocations(exec, listId);
      const row = await exec.get<{ n: number }>('SELECT COUNT(*) AS n FROM status_allocations WHERE list_id = ?', [listId]);
      return row?.n ?? 0;
    },
  };
}
