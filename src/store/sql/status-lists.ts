/**
 * @module store/sql/status-lists
 *
 * Bitstring Status Lists, their cursors and allocations over a
 * {@link SqlExecutor}. A cursor moves by one conditional `UPDATE … RETURNING`,
 * never past its capacity, which is what guarantees a position of a list's
 * order is handed out once, whatever the callers do (the row's write lock
 * orders two instances).
 * Inside a transaction every read that decides a write takes a lock first
 * ({@link lockKey}): the newest list of an issuer and purpose (so two
 * instances do not both open a new one), and a list's bits (so two status
 * changes on one list cannot lose one another's bit). Internal.
 */

import { legateError } from '../../errors/index.js';
import type { OpenStatusList, StatusListRepository } from '../ports/status-lists.js';
import type { StatusListRecord, StatusPurpose } from '../types.js';
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

interface OpenRow {
  id: string;
  size: number;
  taken: number | null;
  capacity: number | null;
  seed: Uint8Array | null;
}

interface TakenRow {
  list_id: string;
  size: number;
  taken: number;
  seed: Uint8Array;
}

const COLUMNS = 'id, issuer, purpose, size, bits, version, token, created_at, updated_at';
/** The hot statements' text, built once (the statement cache is keyed by it). */
const BY_ID = `SELECT ${COLUMNS} FROM status_lists WHERE id = ?`;
/** The newest list of an issuer and purpose (listStatusLists' last), with its cursor. */
const NEWEST = 'SELECT id FROM status_lists WHERE issuer = ? AND purpose = ? ORDER BY created_at DESC, seq DESC LIMIT 1';
const LATEST = `SELECT l.id, l.size, c.taken, c.capacity, c.seed FROM status_lists l LEFT JOIN status_list_cursors c ON c.list_id = l.id
  WHERE l.id = (${NEWEST})`;
const INSERT_ALLOCATIONS = 'INSERT INTO status_allocations (credential_id, purpose, list_id, idx) VALUES ';
/** Allocations one PostgreSQL statement inserts at most (4 parameters each, far below its 65,535). */
const ALLOCATIONS_PER_STATEMENT = 256;
/** Moves the newest list's cursor by `count` when it has a seed and that much room. */
const TAKE = `UPDATE status_list_cursors SET taken = taken + ?
  WHERE list_id = (${NEWEST}) AND seed IS NOT NULL AND taken + ? <= capacity
  RETURNING list_id, taken, seed, (SELECT size FROM status_lists s WHERE s.id = status_list_cursors.list_id) AS size`;

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
      const row = await exec.get<OpenRow>(LATEST, [issuer, purpose]);
      if (row === undefined) return undefined;
      const allocated = row.taken ?? 0;
      const open: OpenStatusList = { id: row.id, size: row.size, allocated, capacity: row.capacity ?? allocated };
      if (row.seed !== null) open.seed = new Uint8Array(row.seed);
      return open;
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
    async putStatusCursor(listId, seed, capacity) {
      // A cursor never reaches past its list: every position it hands out is an index of the list's order.
      const list = await exec.get<{ size: number }>('SELECT size FROM status_lists WHERE id = ?', [listId]);
      if (list === undefined) throw legateError('ERR_NOT_FOUND', `no status list ${listId}`, { claim: 'listId' });
      if (!Number.isSafeInteger(capacity) || capacity < 0 || capacity > list.size) {
        throw legateError('ERR_INVALID_ARGUMENT', `a cursor's capacity is an integer from 0 to its list's size (${list.size})`, { claim: 'capacity' });
      }
      await exec.run('INSERT INTO status_list_cursors (list_id, seed, taken, capacity) VALUES (?, ?, 0, ?)', [listId, Uint8Array.from(seed), capacity]);
    },
    async takeStatusPositions(issuer, purpose, count) {
      if (!Number.isSafeInteger(count) || count < 1) throw legateError('ERR_INVALID_ARGUMENT', 'take a positive integer of positions', { claim: 'count' });
      const row = await exec.get<TakenRow>(TAKE, [count, issuer, purpose, count]);
      return row && { listId: row.list_id, size: row.size, seed: new Uint8Array(row.seed), first: row.taken - count };
    },
    async putStatusAllocations(allocations) {
      if (exec.dialect === 'postgres') {
        // Each statement a round trip: a credential's entries in one, a batch's in a few.
        for (let start = 0; start < allocations.length; start += ALLOCATIONS_PER_STATEMENT) {
          const part = allocations.slice(start, start + ALLOCATIONS_PER_STATEMENT);
          await exec.run(`${INSERT_ALLOCATIONS}${part.map(() => '(?, ?, ?, ?)').join(', ')}`, part.flatMap((a) => [a.credentialId, a.purpose, a.listId, a.index]));
        }
        return;
      }
      // SQLite, a row a statement: rows of 32 at a time (one VALUES list) made a provisioning batch ~15% slower (measured, #19).
      for (const a of allocations) await exec.run(`${INSERT_ALLOCATIONS}(?, ?, ?, ?)`, [a.credentialId, a.purpose, a.listId, a.index]);
    },
    async getStatusAllocations(credentialId) {
      const rows = await exec.all<AllocationRow>(
        'SELECT credential_id, purpose, list_id, idx FROM status_allocations WHERE credential_id = ? ORDER BY purpose',
        [credentialId],
      );
      return rows.map((r) => ({ credentialId: r.credential_id, listId: r.list_id, index: r.idx, purpose: r.purpose }));
    },
    async countStatusAllocations(listId) {
      const row = await exec.get<{ taken: number }>('SELECT taken FROM status_list_cursors WHERE list_id = ?', [listId]);
      return row?.taken ?? 0;
    },
  };
}
