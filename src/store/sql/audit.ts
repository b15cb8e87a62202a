/**
 * @module store/sql/audit
 *
 * The hash-chained audit log and its checkpoints over a {@link SqlExecutor}.
 * An entry's `seq` is checked to be exactly the last one + 1 inside the
 * `INSERT … SELECT … WHERE` itself, and the primary key on `seq` backs it
 * up: of two writers racing for one `seq` (on any connection or instance)
 * one inserts and the other gets `ERR_CONFLICT`. Inside a transaction,
 * reading the chain's head takes the audit lock ({@link lockKey}) first, so
 * the node's read-head-then-append sequence takes turns across instances
 * instead of failing. Checkpoints only move forward the same way. The entry
 * text is stored verbatim and never parsed here. Internal.
 */

import { isLegateError, legateError } from '../../errors/index.js';
import type { AuditRepository } from '../ports/audit.js';
import type { AuditCheckpointRecord, AuditEntryRecord } from '../types.js';
import { lockKey, type SqlExecutor, type SqlValue } from './executor.js';

interface EntryRow {
  seq: number;
  at: string;
  entry: string;
  hash: string;
  prev_hash: string;
}

const ENTRY_COLUMNS = 'seq, at, entry, hash, prev_hash';
const CHECKPOINT_COLUMNS = 'seq, hash, at, token';
/** "No upper bound" for a `seq` range. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

function entryFromRow(row: EntryRow): AuditEntryRecord {
  return { seq: row.seq, at: row.at, entry: row.entry, hash: row.hash, prevHash: row.prev_hash };
}

function checkpointFromRow(row: AuditCheckpointRecord): AuditCheckpointRecord {
  return { seq: row.seq, hash: row.hash, at: row.at, token: row.token };
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
      if (!Number.isSafeInteger(record.seq) || record.seq < 1) throw notNext();
      await exec.lock(lockKey.audit());
      let changes: number;
      try {
        ({ changes } = await exec.run(
          `INSERT INTO audit_entries (${ENTRY_COLUMNS})
           SELECT seq, ?, ?, ?, ? FROM (SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM audit_entries) AS next WHERE seq = ?`,
          [record.at, record.entry, record.hash, record.prevHash, record.seq],
        ));
      } catch (error) {
        // A concurrent writer inserted this seq between our read of MAX and our insert.
        if (isLegateError(error, 'ERR_CONFLICT')) throw notNext(error);
        throw error;
      }
      if (changes === 0) throw notNext();
    },
    async lastAuditEntry() {
      await exec.lock(lockKey.audit());
      const row = await exec.get<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM audit_entries ORDER BY seq DESC LIMIT 1`);
      return row && entryFromRow(row);
    },
    async listAuditEntries(query = {}) {
      const { fromSeq = 1, toSeq = MAX_SEQ, since, limit } = query;
      if (typeof fromSeq !== 'number' || typeof toSeq !== 'number') throw legateError('ERR_STORE', 'fromSeq and toSeq must be numbers');
      if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1)) {
        throw legateError('ERR_STORE', 'limit must be a positive integer', { claim: 'limit' });
      }
      let sql = `SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq >= ? AND seq <= ?`;
      const params: SqlValue[] = [Math.ceil(fromSeq), Math.floor(Math.min(toSeq, MAX_SEQ))];
      if (since !== undefined) {
        sql += ' AND at >= ?';
        params.push(since);
      }
      sql += ' ORDER BY seq';
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
    async lastAuditCheckpoint() {
      const row = await exec.get<AuditCheckpointRecord>(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`);
      return row && checkpointFromRow(row);
    },
  };
}
