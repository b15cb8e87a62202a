/**
 * @module store/sqlite/audit
 *
 * The audit part of the SQLite backend: prepared statements and synchronous
 * operations on `audit_entries` and `audit_checkpoints`. Entries belong to
 * chains (`chain`, `seq` is per chain). An entry's `seq` is checked to be
 * exactly its chain's last one + 1 inside the `INSERT … SELECT … WHERE`
 * itself, a single statement, so the check and the write cannot be separated
 * by another writer (in this process or another one on the same file); the
 * primary key on (`chain`, `seq`) backs it up. Checkpoints must move strictly
 * forward the same way. The entry text is stored verbatim and never parsed
 * here. Internal.
 */

import type { Database } from 'better-sqlite3';
import { legateError } from '../../errors/index.js';
import type { AuditCheckpointRecord, AuditEntryQuery, AuditEntryRecord } from '../types.js';

interface EntryRow {
  chain: string;
  seq: number;
  at: string;
  entry: string;
  hash: string;
  prev_hash: string;
}

const ENTRY_COLUMNS = 'chain, seq, at, entry, hash, prev_hash';
const CHECKPOINT_COLUMNS = 'seq, hash, at, token';
/** SQLite's largest integer: "no upper bound" for a `seq` range. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

function entryFromRow(row: EntryRow): AuditEntryRecord {
  return { chain: row.chain, seq: row.seq, at: row.at, entry: row.entry, hash: row.hash, prevHash: row.prev_hash };
}

function checkpointFromRow(row: AuditCheckpointRecord): AuditCheckpointRecord {
  return { seq: row.seq, hash: row.hash, at: row.at, token: row.token };
}

function assertPositiveInteger(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw legateError('ERR_STORE', `${name} must be a positive integer`, { claim: name });
  }
}

function assertChain(chain: unknown): asserts chain is string {
  if (typeof chain !== 'string' || chain.length === 0) throw legateError('ERR_STORE', 'chain must be a non-empty string', { claim: 'chain' });
}

export class AuditStatements {
  readonly #db: Database;
  /** The list statements, one per shape of query (at most 16), prepared on first use. */
  readonly #lists = new Map<string, ReturnType<Database['prepare']>>();
  readonly #append;
  readonly #last;
  readonly #heads;
  readonly #putCheckpoint;
  readonly #listCheckpoints;
  readonly #lastCheckpoint;

  constructor(db: Database) {
    this.#db = db;
    this.#append = db.prepare<{ chain: string; seq: number; at: string; entry: string; hash: string; prev_hash: string }>(
      `INSERT INTO audit_entries (${ENTRY_COLUMNS})
       SELECT @chain, @seq, @at, @entry, @hash, @prev_hash
       WHERE @seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_entries WHERE chain = @chain)`,
    );
    this.#last = db.prepare<[string], EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE chain = ? ORDER BY seq DESC LIMIT 1`);
    // A skip scan of the (chain, seq) key: one index probe per chain, however long the chains.
    this.#heads = db.prepare<[], EntryRow>(
      `WITH RECURSIVE chains (chain) AS (
         SELECT MIN(chain) FROM audit_entries
         UNION ALL
         SELECT (SELECT MIN(chain) FROM audit_entries WHERE chain > chains.chain) FROM chains WHERE chains.chain IS NOT NULL
       )
       SELECT e.chain, e.seq, e.at, e.entry, e.hash, e.prev_hash FROM chains
       JOIN audit_entries e ON e.chain = chains.chain AND e.seq = (SELECT MAX(seq) FROM audit_entries WHERE chain = chains.chain)
       ORDER BY e.chain`,
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
    assertChain(record.chain);
    // No separate check of seq: any value but last + 1 (0, 1.5, a repeat) fails the WHERE.
    const params = { chain: record.chain, seq: record.seq, at: record.at, entry: record.entry, hash: record.hash, prev_hash: record.prevHash };
    if (this.#append.run(params).changes === 0) {
      throw legateError('ERR_CONFLICT', 'audit entry seq is not the next one (another entry was appended first)', {
        claim: 'seq',
        reason: 'not_next',
      });
    }
  }

  lastAuditEntry(chain: string): AuditEntryRecord | undefined {
    assertChain(chain);
    const row = this.#last.get(chain);
    return row && entryFromRow(row);
  }

  listAuditEntries(query: AuditEntryQuery = {}): AuditEntryRecord[] {
    const { chain, after, fromSeq = 1, toSeq = MAX_SEQ, since, limit } = query;
    if (typeof fromSeq !== 'number' || typeof toSeq !== 'number') throw legateError('ERR_STORE', 'fromSeq and toSeq must be numbers');
    if (limit !== undefined) assertPositiveInteger(limit, 'limit');
    if (chain !== undefined) assertChain(chain);
    let sql = `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq >= ? AND seq <= ?`;
    const params: (string | number)[] = [fromSeq, toSeq];
    if (chain !== undefined) {
      sql += ' AND chain = ?';
      params.push(chain);
    }
    if (since !== undefined) {
      sql += ' AND at >= ?';
      params.push(since);
    }
    if (chain === undefined && after !== undefined) {
      sql += ' AND (at > ? OR (at = ? AND (chain > ? OR (chain = ? AND seq > ?))))';
      params.push(after.at, after.at, after.chain, after.chain, after.seq);
    }
    sql += chain === undefined ? ' ORDER BY at, chain, seq' : ' ORDER BY seq';
    sql += ' LIMIT ?';
    params.push(limit ?? -1);
    let statement = this.#lists.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#lists.set(sql, statement);
    }
    return (statement.all(params) as EntryRow[]).map(entryFromRow);
  }

  listAuditChains(): AuditEntryRecord[] {
    return this.#heads.all().map(entryFromRow);
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
