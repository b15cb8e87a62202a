/**
 * @module store/sqlite/audit
 *
 * The audit part of the SQLite backend: prepared statements and synchronous
 * operations on `audit_entries` and `audit_checkpoints`. An entry's `seq` is
 * checked to be exactly the last one + 1 inside the `INSERT … SELECT … WHERE`
 * itself, a single statement, so the check and the write cannot be separated
 * by another writer (in this process or another one on the same file); the
 * primary key on `seq` backs it up. Checkpoints must move strictly forward
 * the same way. The entry text is stored verbatim and never parsed here.
 * Internal.
 */

import type { Database } from 'better-sqlite3';
import { legateError } from '../../errors/index.js';
import type { AuditCheckpointRecord, AuditEntryQuery, AuditEntryRecord } from '../types.js';

interface EntryRow {
  seq: number;
  at: string;
  entry: string;
  hash: string;
  prev_hash: string;
}

interface RangeParams {
  from: number;
  to: number;
  since: string | null;
  limit: number;
}

const ENTRY_COLUMNS = 'seq, at, entry, hash, prev_hash';
const CHECKPOINT_COLUMNS = 'seq, hash, at, token';
/** SQLite's largest integer: "no upper bound" for a `seq` range. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

function entryFromRow(row: EntryRow): AuditEntryRecord {
  return { seq: row.seq, at: row.at, entry: row.entry, hash: row.hash, prevHash: row.prev_hash };
}

function checkpointFromRow(row: AuditCheckpointRecord): AuditCheckpointRecord {
  return { seq: row.seq, hash: row.hash, at: row.at, token: row.token };
}

function assertPositiveInteger(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw legateError('ERR_STORE', `${name} must be a positive integer`, { claim: name });
  }
}

export class AuditStatements {
  readonly #append;
  readonly #last;
  readonly #range;
  readonly #rangeSince;
  readonly #putCheckpoint;
  readonly #listCheckpoints;
  readonly #lastCheckpoint;

  constructor(db: Database) {
    this.#append = db.prepare<{ seq: number; at: string; entry: string; hash: string; prev_hash: string }>(
      `INSERT INTO audit_entries (${ENTRY_COLUMNS})
       SELECT @seq, @at, @entry, @hash, @prev_hash
       WHERE @seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_entries)`,
    );
    this.#last = db.prepare<[], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM audit_entries ORDER BY seq DESC LIMIT 1`);
    // Two statements so the common, time-free query is a plain rowid range.
    this.#range = db.prepare<Omit<RangeParams, 'since'>, EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq >= @from AND seq <= @to ORDER BY seq LIMIT @limit`,
    );
    this.#rangeSince = db.prepare<RangeParams, EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq >= @from AND seq <= @to AND at >= @since ORDER BY seq LIMIT @limit`,
    );
    this.#putCheckpoint = db.prepare<AuditCheckpointRecord>(
      `INSERT INTO audit_checkpoints (${CHECKPOINT_COLUMNS})
       SELECT @seq, @hash, @at, @token
       WHERE @seq > (SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints)`,
    );
    this.#listCheckpoints = db.prepare<[], AuditCheckpointRecord>(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq`);
    this.#lastCheckpoint = db.prepare<[], AuditCheckpointRecord>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`,
    );
  }

  appendAuditEntry(record: AuditEntryRecord): void {
    // No separate check of seq: any value but last + 1 (0, 1.5, a repeat) fails the WHERE.
    const params = { seq: record.seq, at: record.at, entry: record.entry, hash: record.hash, prev_hash: record.prevHash };
    if (this.#append.run(params).changes === 0) {
      throw legateError('ERR_CONFLICT', 'audit entry seq is not the next one (another entry was appended first)', {
        claim: 'seq',
        reason: 'not_next',
      });
    }
  }

  lastAuditEntry(): AuditEntryRecord | undefined {
    const row = this.#last.get();
    return row && entryFromRow(row);
  }

  listAuditEntries(query: AuditEntryQuery = {}): AuditEntryRecord[] {
    const { fromSeq = 1, toSeq = MAX_SEQ, since, limit } = query;
    if (typeof fromSeq !== 'number' || typeof toSeq !== 'number') throw legateError('ERR_STORE', 'fromSeq and toSeq must be numbers');
    if (limit !== undefined) assertPositiveInteger(limit, 'limit');
    const params = { from: fromSeq, to: toSeq, limit: limit ?? -1 };
    const rows = since === undefined ? this.#range.all(params) : this.#rangeSince.all({ ...params, since });
    return rows.map(entryFromRow);
  }

  putAuditCheckpoint(checkpoint: AuditCheckpointRecord): void {
    if (!Number.isSafeInteger(checkpoint.seq)) throw legateError('ERR_STORE', 'seq must be an integer', { claim: 'seq' });
    const params = { seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at, token: checkpoint.token };
    if (this.#putCheckpoint.run(params).changes === 0) {
      throw legateError('ERR_CONFLICT', 'audit checkpoint seq is not after the last checkpoint', {
        claim: 'seq',
        reason: 'not_after_last',
      });
    }
  }

  listAuditCheckpoints(): AuditCheckpointRecord[] {
    return this.#listCheckpoints.all().map(checkpointFromRow);
  }

  lastAuditCheckpoint(): AuditCheckpointRecord | undefined {
    const row = this.#lastCheckpoint.get();
    return row && checkpointFromRow(row);
  }
}
