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
 * failing, and writers on different chains never wait on each other.
 * Checkpoints only move forward the same way. The entry text is kept packed
 * where it can be (`./audit-pack`: columns left out, the signed action's
 * session token stored once in `audit_attachments`, the rest in
 * `audit_light` until a checkpoint covers it, then sealed into a deflated
 * block of its chain, `./audit-block-store`), and given back byte for byte;
 * it is never interpreted here. Internal.
 */

import { isLegateError, legateError } from '../../errors/index.js';
import type { AuditRepository } from '../ports/audit.js';
import type { AuditCheckpointRecord, AuditEntryRecord, AuditHeadRecord } from '../types.js';
import { BlockReader, sealNextBlock } from './audit-block-store.js';
import { isLight, packAttachment, packAuditEntry, unpackAttachment, unpackAuditEntry } from './audit-pack.js';
import { BULK, lockKey, runBulk, type SqlExecutor, type SqlValue } from './executor.js';

interface EntryRow {
  chain: string;
  seq: number;
  at: string;
  entry: string;
  hash: string;
  prev_hash: string;
  packed: Uint8Array | null;
  attachment: string | null;
  attachment_data: Uint8Array | null;
  light_body: Uint8Array | null;
}

const ENTRY_COLUMNS = 'chain, seq, at, entry, hash, prev_hash, packed, attachment';
/** An entry row's columns with its attachment's bytes and its light body (`e`: audit_entries, `a`: audit_attachments, `l`: audit_light). */
const ENTRY_FIELDS = 'e.chain, e.seq, e.at, e.entry, e.hash, e.prev_hash, e.packed, e.attachment, a.data AS attachment_data, l.body AS light_body';
const ENTRY_JOINS = 'LEFT JOIN audit_attachments a ON a.hash = e.attachment LEFT JOIN audit_light l ON l.chain = e.chain AND l.seq = e.seq';
const ENTRY_SELECT = `SELECT ${ENTRY_FIELDS} FROM audit_entries e ${ENTRY_JOINS}`;
/** A light entry's body, until it is sealed. */
const LIGHT = 'INSERT INTO audit_light (chain, seq, body) VALUES (?, ?, ?)';
const CHECKPOINT_COLUMNS = 'seq, hash, at, token';
/** The hot statements' text, built once (the statement cache is keyed by it). */
const LAST_ENTRY = `${ENTRY_SELECT} WHERE e.chain = ? ORDER BY e.seq DESC LIMIT 1`;
/** An append's read of its chain's head: no join, no bytes (a packed row's text column is empty, so it reads as null). */
const HEAD = 'SELECT seq, hash, CASE WHEN packed IS NULL THEN entry END AS entry FROM audit_entries WHERE chain = ? ORDER BY seq DESC LIMIT 1';
/** Seqs and hashes of a stretch of one chain (a checkpoint's, from its memo): the primary key alone, no text. */
const HASHES = 'SELECT seq, hash FROM audit_entries WHERE chain = ? AND seq >= ? AND seq <= ? ORDER BY seq';
const HAS_ATTACHMENT = 'SELECT 1 AS one FROM audit_attachments WHERE hash = ?';
/** Two writers (instances of a fleet) may store one token at once: the second does nothing. */
const ATTACH = 'INSERT INTO audit_attachments (hash, data) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING';
const LAST_CHECKPOINT = `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`;
/**
 * An entry, only if its `seq` is its chain's last + 1 and its `prevHash` is
 * the hash of the entry at `seq - 1`: an append built on a remembered head
 * (`./audit-heads`) that went stale is refused here, never forks the chain.
 * MAX(seq) alone in a scalar subquery is one probe of the (chain, seq) key;
 * as the aggregate of a FROM subquery (`SELECT COALESCE(MAX(seq), 0) + 1 …
 * FROM audit_entries`) SQLite walked the whole chain instead: 20,000 appends
 * took 8 s against 85 ms. `seq` comes from the subquery, so PostgreSQL types
 * it. The previous entry is a second probe of the same key.
 */
const APPEND = `INSERT INTO audit_entries (${ENTRY_COLUMNS})
  SELECT ?, seq, ?, ?, ?, ?, ?, ? FROM (SELECT COALESCE((SELECT MAX(seq) FROM audit_entries WHERE chain = ?), 0) + 1 AS seq) AS next
  WHERE seq = ? AND (seq = 1 OR EXISTS (SELECT 1 FROM audit_entries p WHERE p.chain = ? AND p.seq = next.seq - 1 AND p.hash = ?))`;
/**
 * PostgreSQL: {@link APPEND}, the light body (only with the entry: from its
 * `RETURNING`) and the attachment probe in one statement, so the chain's
 * lock is held over one round trip for them instead of three (each a turn
 * of a busy event loop). SQLite has no data-modifying `WITH`, and no round
 * trips to save.
 */
const APPEND_LIGHT_PG = `WITH e AS (${APPEND} RETURNING chain, seq),
  l AS (INSERT INTO audit_light (chain, seq, body) SELECT chain, seq, ? FROM e RETURNING seq)
  SELECT CAST((SELECT count(*) FROM l) AS INTEGER) AS appended,
    CASE WHEN EXISTS (SELECT 1 FROM audit_attachments WHERE hash = ?) THEN 1 ELSE 0 END AS stored`;
/** Each chain's head, by skipping through the (chain, seq) key: one probe per chain, not a scan of the log. */
const HEADS = `WITH RECURSIVE chains (chain) AS (
         SELECT MIN(chain) FROM audit_entries
         UNION ALL
         SELECT (SELECT MIN(chain) FROM audit_entries WHERE chain > chains.chain) FROM chains WHERE chains.chain IS NOT NULL
       )
       SELECT ${ENTRY_FIELDS} FROM chains
       JOIN audit_entries e ON e.chain = chains.chain AND e.seq = (SELECT MAX(seq) FROM audit_entries WHERE chain = chains.chain)
       ${ENTRY_JOINS}
       ORDER BY e.chain`;
/** "No upper bound" for a `seq` range. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/**
 * A record of a row. `tokens` holds the attachments unpacked so far for the
 * rows of one read (hash → text): the actions of a session share one, and a
 * listing's records unpack it once.
 */
function entryFromRow(row: EntryRow, tokens: Map<string, string> | undefined, blocks: BlockReader): AuditEntryRecord {
  const record = { chain: row.chain, seq: row.seq, at: row.at, entry: row.entry, hash: row.hash, prevHash: row.prev_hash };
  const { packed, attachment: key, attachment_data: data } = row;
  if (packed === null) return record;
  // Unpacked when first read: appending reads the chain's head for its seq and hash only.
  let entry: string | undefined;
  const unpack = (): string => {
    // A light row's body: in audit_light, or in its sealed block (none, or a damaged one: the row reads as corrupt).
    const body = row.light_body ?? (isLight(packed) ? blocks.bodyOf(row.chain, row.seq) : undefined);
    // A row naming an attachment the store lacks is passed null: it reads as corrupt.
    if (key === null || data === null) return unpackAuditEntry(packed, record, key === null ? undefined : null, body);
    let token = tokens?.get(key);
    if (token === undefined) {
      try {
        token = unpackAttachment(data);
      } catch {
        return '';
      }
      tokens?.set(key, token);
    }
    return unpackAuditEntry(packed, record, token, body);
  };
  return Object.defineProperties(record, {
    entry: { enumerable: true, get: () => (entry ??= unpack()) },
    packed: { enumerable: false, value: true },
  });
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
  const heads = exec.hooks?.auditHeads;
  const append = async (tx: SqlExecutor, record: AuditEntryRecord) => {
    await tx.lock(lockKey.audit(record.chain));
    const packed = packAuditEntry(record.entry, record);
    const attachment = packed?.attachment;
    // A packed row's text column is empty: the packing is the entry.
    const text = packed === undefined ? record.entry : '';
    const values = [record.chain, record.at, text, record.hash, record.prevHash, packed?.packed ?? null, attachment?.hash ?? null, record.chain, record.seq, record.chain, record.prevHash];
    // Most actions name a token an earlier action of their session stored: a probe, not a packing and a write.
    const attach = () => tx.run(ATTACH, [attachment!.hash, packAttachment(attachment!.text)]);
    // Forgotten until the whole entry is written: a refused or failed append leaves the next one to read the head.
    heads?.forget(record.chain);
    let light = false;
    try {
      if (tx.dialect === 'postgres' && packed?.body !== undefined) {
        const row = await tx.get<{ appended: number; stored: number }>(APPEND_LIGHT_PG, [...values, packed.body, attachment?.hash ?? null]);
        if (row?.appended !== 1) throw notNext();
        if (attachment !== undefined && row.stored !== 1) await attach();
        light = true;
      } else {
        if (attachment !== undefined && (await tx.get(HAS_ATTACHMENT, [attachment.hash])) === undefined) await attach();
        if ((await tx.run(APPEND, values)).changes === 0) throw notNext();
      }
    } catch (error) {
      // A concurrent writer inserted this seq between our read of MAX and our insert.
      if (isLegateError(error, 'ERR_CONFLICT') && error.reason !== 'not_next') throw notNext(error);
      throw error;
    }
    if (packed?.body !== undefined && !light) await tx.run(LIGHT, [record.chain, record.seq, packed.body]);
    // A plain entry (chain-open, chain-close) is never remembered, so a close is always read.
    if (packed !== undefined) heads?.set(record.chain, { seq: record.seq, hash: record.hash });
  };
  return {
    async appendAuditEntry(record) {
      // Not a positive integer: never last + 1 (and no driver may round it into one).
      assertChain(record.chain);
      if (!Number.isSafeInteger(record.seq) || record.seq < 1) throw notNext();
      if (typeof record.entry !== 'string') throw legateError('ERR_STORE', 'entry must be a string', { claim: 'entry' });
      // The attachment and the entry that names it are written together or not at all.
      await (exec.inTransaction ? append(exec, record) : exec.transaction((tx) => append(tx, record)));
    },
    async lastAuditEntry(chain) {
      assertChain(chain);
      await exec.lock(lockKey.audit(chain));
      const row = await exec.get<EntryRow>(LAST_ENTRY, [chain]);
      return row && entryFromRow(row, undefined, await BlockReader.of(exec, [row]));
    },
    async auditHead(chain) {
      assertChain(chain);
      await exec.lock(lockKey.audit(chain));
      // Read under the chain's lock: what this process appended last, unless a rollback or a refused append forgot it.
      const known = heads?.get(chain);
      if (known !== undefined) return { seq: known.seq, hash: known.hash, remembered: true };
      const row = await exec.get<{ seq: number; hash: string; entry: string | null }>(HEAD, [chain]);
      if (row === undefined) return undefined;
      const head: AuditHeadRecord = { seq: row.seq, hash: row.hash };
      if (row.entry !== null) head.entry = row.entry;
      return head;
    },
    async listAuditChains() {
      // A skip scan of the (chain, seq) key: one index probe per chain, however long the chains.
      const rows = await exec.all<EntryRow>(HEADS);
      const blocks = await BlockReader.of(exec, rows);
      return rows.map((row) => entryFromRow(row, undefined, blocks));
    },
    async listAuditHashes(chain, fromSeq, toSeq) {
      assertChain(chain);
      if (!Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(toSeq)) throw legateError('ERR_STORE', 'fromSeq and toSeq must be integers');
      return exec.all<{ seq: number; hash: string }>(HASHES, [chain, fromSeq, toSeq]);
    },
    async listAuditEntries(query = {}) {
      const { chain, after, fromSeq = 1, toSeq = MAX_SEQ, since, limit } = query;
      if (chain !== undefined) assertChain(chain);
      if (typeof fromSeq !== 'number' || typeof toSeq !== 'number') throw legateError('ERR_STORE', 'fromSeq and toSeq must be numbers');
      if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1)) {
        throw legateError('ERR_STORE', 'limit must be a positive integer', { claim: 'limit' });
      }
      let sql = `${ENTRY_SELECT} WHERE e.seq >= ? AND e.seq <= ?`;
      const params: SqlValue[] = [Math.ceil(fromSeq), Math.floor(Math.min(toSeq, MAX_SEQ))];
      if (chain !== undefined) {
        sql += ' AND e.chain = ?';
        params.push(chain);
      }
      if (since !== undefined) {
        sql += ' AND e.at >= ?';
        params.push(since);
      }
      if (chain === undefined && after !== undefined) {
        sql += ' AND (e.at > ? OR (e.at = ? AND (e.chain > ? OR (e.chain = ? AND e.seq > ?))))';
        params.push(after.at, after.at, after.chain, after.chain, after.seq);
      }
      sql += chain === undefined ? ' ORDER BY e.at, e.chain, e.seq' : ' ORDER BY e.seq';
      if (limit !== undefined) {
        sql += ' LIMIT ?';
        params.push(limit);
      }
      const rows = await exec.all<EntryRow>(sql, params);
      const tokens = new Map<string, string>();
      const blocks = await BlockReader.of(exec, rows);
      return rows.map((row) => entryFromRow(row, tokens, blocks));
    },
    async pruneAuditEntries(chain, beforeSeq) {
      assertChain(chain);
      if (!Number.isSafeInteger(beforeSeq) || beforeSeq < 1) throw legateError('ERR_STORE', 'beforeSeq must be a positive integer', { claim: 'beforeSeq' });
      const prune = async (tx: SqlExecutor) => {
        // A block holding entries from beforeSeq on stays: their bodies are in it.
        await tx.run('DELETE FROM audit_blocks WHERE chain = ? AND last_seq < ?', [chain, beforeSeq]);
        await tx.run('DELETE FROM audit_light WHERE chain = ? AND seq < ?', [chain, beforeSeq]);
        return (await tx.run('DELETE FROM audit_entries WHERE chain = ? AND seq < ?', [chain, beforeSeq])).changes;
      };
      return exec.inTransaction ? prune(exec) : exec.transaction(prune, BULK);
    },
    async sealAuditEntries(chain, throughSeq) {
      assertChain(chain);
      if (!Number.isSafeInteger(throughSeq) || throughSeq < 0) throw legateError('ERR_STORE', 'throughSeq must be a non-negative integer', { claim: 'throughSeq' });
      // A savepoint inside a caller's transaction: a block is sealed whole or not at all.
      return exec.transaction((tx) => sealNextBlock(tx, chain, throughSeq));
    },
    async pruneAuditAttachments() {
      return (await runBulk(exec, 'DELETE FROM audit_attachments WHERE NOT EXISTS (SELECT 1 FROM audit_entries e WHERE e.attachment = audit_attachments.hash)')).changes;
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
