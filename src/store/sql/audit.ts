/**
 * @module store/sql/audit
 *
 * The hash-chained audit log and its checkpoints over a {@link SqlExecutor}.
 * Entries belong to chains (each instance appends to its own). An entry's
 * `seq` is checked to be exactly its chain's last one + 1 inside the
 * `INSERT … SELECT … WHERE` itself, and the primary key on (`chain`, `seq`)
 * backs it up: of two writers racing for one `seq` (on any connection or
 * instance) one inserts and the other gets `ERR_CONFLICT`. Inside a
 * transaction, reading a chain's head takes that chain's lock
 * ({@link lockKey}) first, so writers sharing a chain take turns instead of
 * failing, and writers on different chains never wait on each other. Checkpoints only move forward the same way. The entry
 * text is stored verbatim and never parsed here. Internal.
 */

import { isLegateError, legateError } from '../../errors/index.js';
import type { AuditRepository } from '../ports/audit.js';
import type { AuditCheckpointRecord, AuditEntryRecord } from '../types.js';
import { lockKey, type SqlExecutor, type SqlValue } from './executor.js';

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
/** The hot statements' text, built once (the statement cache is keyed by it). */
const LAST_ENTRY = `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE chain = ? ORDER BY seq DESC LIMIT 1`;
const LAST_CHECKPOINT = `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`;
/**
 * An entry, only if its `seq` is its chain's last + 1. MAX(seq) alone in a
 * scalar subquery is one probe of the (chain, seq) key; as the aggregate of a
 * FROM subquery (`SELECT COALESCE(MAX(seq), 0) + 1 … FROM audit_entries`)
 * SQLite walked the whole chain instead: 20,000 appends took 8 s against
 * 85 ms. `seq` comes from the subquery, so PostgreSQL types it.
 */
const APPEND = `INSERT INTO audit_entries (${ENTRY_COLUMNS})
  SELECT ?, seq, ?, ?, ?, ? FROM (SELECT COALESCE((SELECT MAX(seq) FROM audit_entries WHERE chain = ?), 0) + 1 AS seq) AS next WHERE seq = ?`;
/** Each chain's head, by skipping through the (chain, seq) key: one probe per chain, not a scan of the log. */
const HEADS = `WITH RECURSIVE chains (chain) AS (
         SELECT MIN(chain) FROM audit_entries
         UNION ALL
         SELECT (SELECT MIN(chain) FROM audit_entries WHERE chain > chains.chain) FROM chains WHERE chains.chain IS NOT NULL
       )
       SELECT e.chain, e.seq, e.at, e.entry, e.hash, e.prev_hash FROM chains
       JOIN audit_entries e ON e.chain = chains.chain AND e.seq = (SELECT MAX(seq) FROM audit_entries WHERE chain = chains.chain)
       ORDER BY e.chain`;
/** "No upper bound" for a `seq` range. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

function entryFromRow(row: EntryRow): AuditEntryRecord {
  return { chain: row.chain, seq: row.seq, at: row.at, entry: row.entry, hash: row.hash, prevHash: row.prev_hash };
}

function checkpointFromRow(row: AuditCheckpointRecord): AuditCheckpointRecord {
  return { seq: row.seq, hash: row.hash, at: row.at, token: row.token };
}

function assertChain(chain: unknown): asserts chain is string {
  if (typeof chain !== 'string' || chain.length === 0) throw legateError('ERR_STORE', 'chain must be a non-empty string', { claim: 'chain' });
}

function notNext(cause?: unknown): Error {
  return legateError('ERR_CONFLICT', 'audit entry seq is not the next one (another entry was appended first)', {
    claim: 'seq',
    reason: 'not_next',
    ...(cause === undefined ? {} : { cause }),
  });
}

function notAfterLast(cause?: unknown): Error {
  return legateError('ERR_CONFLICT', 'audit checkpoint seq is not after the last checkpoint', {
    claim: 'seq',
    reason: 'not_after_last',
    ...(cause === undefined ? {} : { cause }),
  });
}

export function createAuditRepository(exec: SqlExecutor): AuditRepository {
  return {
    async appendAuditEntry(record) {
      // Not a positive integer: never last + 1 (and no driver may round it into one).
      assertChain(record.chain);
      if (!Number.isSafeInteger(record.seq) || record.seq < 1) throw notNext();
      await exec.lock(lockKey.audit(record.chain));
      let changes: number;
      try {
        ({ changes } = await exec.run(APPEND, [record.chain, record.at, record.entry, record.hash, record.prevHash, record.chain, record.seq]));
      } catch (error) {
        // A concurrent writer inserted this seq between our read of MAX and our insert.
        if (isLegateError(error, 'ERR_CONFLICT')) throw notNext(error);
        throw error;
      }
      if (changes === 0) throw notNext();
    },
    async lastAuditEntry(chain) {
      assertChain(chain);
      await exec.lock(lockKey.audit(chain));
      const row = await exec.get<EntryRow>(LAST_ENTRY, [chain]);
      return row && entryFromRow(row);
    },
    async listAuditChains() {
      // A skip scan of the (chain, seq) key: one index probe per chain, however long the chains.
      const rows = await exec.all<EntryRow>(HEADS);
      return rows.map(entryFromRow);
    },
    async listAuditEntries(query = {}) {
      const { chain, after, fromSeq = 1, toSeq = MAX_SEQ, since, limit } = query;
      if (chain !== undefined) assertChain(chain);
      if (typeof fromSeq !== 'number' || typeof toSeq !== 'number') throw legateError('ERR_STORE', 'fromSeq and toSeq must be numbers');
      if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1)) {
        throw legateError('ERR_STORE', 'limit must be a positive integer', { claim: 'limit' });
      }
      let sql = `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq >= ? AND seq <= ?`;
      const params: SqlValue[] = [Math.ceil(fromSeq), Math.floor(Math.min(toSeq, MAX_SEQ))];
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
      if (limit !== undefined) {
        sql += ' LIMIT ?';
        params.push(limit);
      }
      return (await exec.all<EntryRow>(sql, params)).map(entryFromRow);
    },
    async putAuditCheckpoint(checkpoint: AuditCheckpointRecord) {
      if (!Number.isSafeInteger(checkpoint.seq)) throw legateError('ERR_STORE', 'seq must be an integer', { claim: 'seq' });
      let changes: number;
      try {
        ({ changes } = await exec.run(
          `INSERT INTO audit_checkpoints (${CHECKPOINT_COLUMNS})
           SELECT seq, ?, ?, ? FROM (SELECT CAST(? AS BIGINT) AS seq) AS given
           WHERE seq > (SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints)`,
          [checkpoint.hash, checkpoint.at, checkpoint.token, checkpoint.seq],
        ));
      } catch (error) {
        if (isLegateError(error, 'ERR_CONFLICT')) throw notAfterLast(error);
        throw error;
      }
      if (changes === 0) throw notAfterLast();
    },
    async listAuditCheckpoints() {
      return (await exec.all<AuditCheckpointRecord>(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq`)).map(checkpointFromRow);
    },
    async lastAuditCheckpoint(options = {}) {
      if (options.lock === true) await exec.lock(lockKey.auditCheckpoints());
      const row = await exec.get<AuditCheckpointRecord>(LAST_CHECKPOINT);
      return row && checkpointFromRow(row);
    },
  };
}
