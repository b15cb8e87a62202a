/**
 * @module store/sqlite/status
 *
 * The status-list part of the SQLite backend: prepared statements and
 * synchronous operations on `status_lists` and `status_allocations`. The
 * `UNIQUE (list_id, idx)` constraint is what guarantees an index is never
 * handed out twice, whatever the callers do. Internal.
 */

import type { Database } from 'better-sqlite3';
import { legateError } from '../../errors/index.js';
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

/** Lists whose allocation counts are remembered (an organization has a few open lists). */
const MAX_KNOWN_COUNTS = 64;

export class StatusStatements {
  readonly #put;
  readonly #get;
  readonly #getToken;
  readonly #list;
  readonly #update;
  readonly #putAllocation;
  readonly #allocations;
  readonly #isAllocated;
  readonly #count;
  readonly #latest;
  readonly #countSince;
  /**
   * Allocation counts already read, per list, with the highest rowid they
   * cover. Allocations are never deleted and new rows get higher rowids, so a
   * count is brought up to date by counting the rows past that rowid, not the
   * whole list (a full count grew with every credential issued). Forgotten
   * when a transaction rolls back (its rows, counted, are gone).
   */
  readonly #counts = new Map<string, { n: number; last: number }>();

  constructor(db: Database) {
    this.#put = db.prepare<ListRow>(
      `INSERT INTO status_lists (${LIST_COLUMNS})
       VALUES (@id, @issuer, @purpose, @size, @bits, @version, @token, @created_at, @updated_at)`,
    );
    this.#get = db.prepare<[string], ListRow>(`SELECT ${LIST_COLUMNS} FROM status_lists WHERE id = ?`);
    this.#getToken = db.prepare<[string], { token: string | null }>('SELECT token FROM status_lists WHERE id = ?');
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
    // Newest last in #list's order (created_at, seq): first in the reverse.
    this.#latest = db.prepare<[string, string], { id: string; size: number }>(
      'SELECT id, size FROM status_lists WHERE issuer = ? AND purpose = ? ORDER BY created_at DESC, seq DESC LIMIT 1',
    );
    this.#count = db.prepare<[string], { n: number; last: number | null }>(
      'SELECT COUNT(*) AS n, MAX(rowid) AS last FROM status_allocations WHERE list_id = ?',
    );
    this.#countSince = db.prepare<[number, string], { n: number; last: number | null }>(
      // `+list_id`: walk the rowids past the mark, never the list's whole index.
      'SELECT COUNT(*) AS n, MAX(rowid) AS last FROM status_allocations WHERE rowid > ? AND +list_id = ?',
    );
  }

  putStatusList(list: StatusListRecord): void {
    if (list.bits.length * 8 !== list.size) throw legateError('ERR_STORE', 'status list bits do not match its size', { claim: 'bits' });
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

  getStatusListToken(id: string): string | undefined {
    return this.#getToken.get(id)?.token ?? undefined;
  }

  listStatusLists(query: StatusListQuery = {}): StatusListRecord[] {
    return this.#list.all({ issuer: query.issuer ?? null, purpose: query.purpose ?? null }).map(listFromRow);
  }

  latestStatusList(issuer: string, purpose: string): { id: string; size: number } | undefined {
    const row = this.#latest.get(issuer, purpose);
    return row && { id: row.id, size: row.size };
  }

  updateStatusList(id: string, change: Pick<StatusListRecord, 'bits' | 'version' | 'updatedAt'> & { token?: string }): void {
    const current = this.#get.get(id);
    if (current === undefined) throw legateError('ERR_NOT_FOUND', 'no such status list', { claim: 'id' });
    if (change.bits.length * 8 !== current.size) throw legateError('ERR_STORE', 'status list bits do not match its size', { claim: 'bits' });
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
    const known = this.#counts.get(listId);
    if (known === undefined) {
      const { n, last } = this.#count.get(listId) ?? { n: 0, last: null };
      if (this.#counts.size >= MAX_KNOWN_COUNTS) this.#counts.clear();
      this.#counts.set(listId, { n, last: last ?? 0 });
      return n;
    }
    const { n, last } = this.#countSince.get(known.last, listId) ?? { n: 0, last: null };
    known.n += n;
    if (last !== null) known.last = last;
    return known.n;
  }

  /** Drops the remembered counts: called when a transaction (or savepoint) rolls back. */
  forgetCounts(): void {
    this.#counts.clear();
  }
}
