/**
 * @module store/sqlite/status
 *
 * The status-list part of the SQLite backend: prepared statements and
 * synchronous operations on `status_lists` and `status_allocations`. The
 * `UNIQUE (list_id, idx)` constraint is what guarantees an index is never
 * handed out twice, whatever the callers do. Internal.
 */

import type { Database } from 'better-sqlite3';
import { StoreError } from '../../errors/index.js';
import type { StatusAllocation, StatusListQuery, StatusListRecord, StatusPurpose } from '../types.js';

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

const LIST_COLUMNS = 'id, issuer, purpose, size, bits, version, token, created_at, updated_at';

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

export class StatusStatements {
  readonly #put;
  readonly #get;
  readonly #list;
  readonly #update;
  readonly #putAllocation;
  readonly #allocations;
  readonly #isAllocated;
  readonly #count;

  constructor(db: Database) {
    this.#put = db.prepare<ListRow>(
      `INSERT INTO status_lists (${LIST_COLUMNS})
       VALUES (@id, @issuer, @purpose, @size, @bits, @version, @token, @created_at, @updated_at)`,
    );
    this.#get = db.prepare<[string], ListRow>(`SELECT ${LIST_COLUMNS} FROM status_lists WHERE id = ?`);
    this.#list = db.prepare<{ issuer: string | null; purpose: string | null }, ListRow>(
      `SELECT ${LIST_COLUMNS} FROM status_lists
       WHERE (@issuer IS NULL OR issuer = @issuer) AND (@purpose IS NULL OR purpose = @purpose)
       ORDER BY created_at, seq`,
    );
    this.#update = db.prepare<{ id: string; bits: Uint8Array; version: number; token: string | null; updated_at: string }>(
      'UPDATE status_lists SET bits = @bits, version = @version, token = @token, updated_at = @updated_at WHERE id = @id',
    );
    this.#putAllocation = db.prepare<AllocationRow>(
      'INSERT INTO status_allocations (credential_id, purpose, list_id, idx) VALUES (@credential_id, @purpose, @list_id, @idx)',
    );
    this.#allocations = db.prepare<[string], AllocationRow>(
      'SELECT credential_id, purpose, list_id, idx FROM status_allocations WHERE credential_id = ? ORDER BY purpose',
    );
    this.#isAllocated = db.prepare<[string, number], { one: number }>('SELECT 1 AS one FROM status_allocations WHERE list_id = ? AND idx = ?');
    this.#count = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM status_allocations WHERE list_id = ?');
  }

  putStatusList(list: StatusListRecord): void {
    if (list.bits.length * 8 !== list.size) throw new StoreError('ERR_STORE', 'status list bits do not match its size', { claim: 'bits' });
    this.#put.run({
      id: list.id,
      issuer: list.issuer,
      purpose: list.purpose,
      size: list.size,
      bits: list.bits,
      version: list.version,
      token: list.token ?? null,
      created_at: list.createdAt,
      updated_at: list.updatedAt,
    });
  }

  getStatusList(id: string): StatusListRecord | undefined {
    const row = this.#get.get(id);
    return row && listFromRow(row);
  }

  listStatusLists(query: StatusListQuery = {}): StatusListRecord[] {
    return this.#list.all({ issuer: query.issuer ?? null, purpose: query.purpose ?? null }).map(listFromRow);
  }

  updateStatusList(id: string, change: Pick<StatusListRecord, 'bits' | 'version' | 'updatedAt'> & { token?: string }): void {
    const current = this.#get.get(id);
    if (current === undefined) throw new StoreError('ERR_NOT_FOUND', 'no such status list', { claim: 'id' });
    if (change.bits.length * 8 !== current.size) throw new StoreError('ERR_STORE', 'status list bits do not match its size', { claim: 'bits' });
    this.#update.run({ id, bits: change.bits, version: change.version, token: change.token ?? null, updated_at: change.updatedAt });
  }

  putStatusAllocation(a: StatusAllocation): void {
    this.#putAllocation.run({ credential_id: a.credentialId, purpose: a.purpose, list_id: a.listId, idx: a.index });
  }

  getStatusAllocations(credentialId: string): StatusAllocation[] {
    return this.#allocations.all(credentialId).map((r) => ({ credentialId: r.credential_id, listId: r.list_id, index: r.idx, purpose: r.purpose }));
  }

  isStatusIndexAllocated(listId: string, index: number): boolean {
    return this.#isAllocated.get(listId, index) !== undefined;
  }

  countStatusAllocations(listId: string): number {
    return this.#count.get(listId)?.n ?? 0;
  }
}
