/**
 * @module store/ports/audit
 *
 * The hash-chained audit log and its checkpoints. The store keeps each
 * entry's canonical JSON verbatim and never interprets it; verification (in
 * `audit/`) recomputes everything from the entry.
 */

import type { AuditCheckpointRecord, AuditEntryQuery, AuditEntryRecord, AuditHeadRecord } from '../types.js';

/** Audit entries (append-only, gapless) and checkpoints. */
export interface AuditRepository {
  /**
   * Appends one audit entry to its chain. Its `seq` must be exactly the
   * chain's last `seq` + 1 (1 for the first), checked atomically with the
   * insert; anything else is `ERR_CONFLICT`, so concurrent writers can never
   * fork or gap a chain. Only that chain is locked: appends to different
   * chains never wait on each other.
   */
  appendAuditEntry(entry: AuditEntryRecord): Promise<void>;
  /** The entry of `chain` with the highest `seq` (in a transaction, locking that chain's head). */
  lastAuditEntry(chain: string): Promise<AuditEntryRecord | undefined>;
  /**
   * What an append reads of `chain`'s last entry ({@link AuditHeadRecord}:
   * `seq`, `hash`, the text only when stored plain), locking the head as
   * {@link lastAuditEntry} does; without reading an attachment or a light
   * body, or unpacking anything.
   */
  auditHead(chain: string): Promise<AuditHeadRecord | undefined>;
  /** Matching entries: of one chain by `seq`, or of all by (`at`, `chain`, `seq`); see {@link AuditEntryQuery}. */
  listAuditEntries(query?: AuditEntryQuery): Promise<AuditEntryRecord[]>;
  /**
   * The `seq` and stored `hash` of entries `fromSeq..toSeq` of `chain`, by
   * `seq`, reading no text: a checkpoint over entries this process appended
   * (whose digests it remembers) needs nothing more.
   */
  listAuditHashes(chain: string, fromSeq: number, toSeq: number): Promise<{ seq: number; hash: string }[]>;
  /** Each chain's head (its entry with the highest `seq`), ordered by chain id. */
  listAuditChains(): Promise<AuditEntryRecord[]>;
  /**
   * Deletes the entries of `chain` before `beforeSeq` (retention, behind a
   * signed checkpoint: `node/audit-prune`), and the sealed blocks holding
   * only such entries; returns how many entries. Attachments they alone
   * named stay until {@link pruneAuditAttachments}.
   */
  pruneAuditEntries(chain: string, beforeSeq: number): Promise<number>;
  /**
   * Seals the next block of `chain`'s entries through `throughSeq` (never
   * its head): up to 128 entries written since the last block, deflated
   * together (store/sql/audit-blocks), their texts unchanged. Returns how
   * many entries the block covers; 0 when nothing is left to seal. Callers
   * seal what a checkpoint covers, a block at a time (`audit/seal`).
   */
  sealAuditEntries(chain: string, throughSeq: number): Promise<number>;
  /** Deletes the stored attachments (store/sql/audit-pack) no entry names any more; returns how many. */
  pruneAuditAttachments(): Promise<number>;
  /** Records a checkpoint; a `seq` not above the last checkpoint's is `ERR_CONFLICT`. */
  putAuditCheckpoint(checkpoint: AuditCheckpointRecord): Promise<void>;
  /** Every checkpoint, ordered by `seq`. */
  listAuditCheckpoints(): Promise<AuditCheckpointRecord[]>;
  /**
   * The checkpoint with the highest `seq`. With `lock` (in a transaction),
   * first takes the checkpoints' lock, so two instances writing the next
   * checkpoint take turns and each links to the one before; appends never
   * ask for it.
   */
  lastAuditCheckpoint(options?: { lock?: boolean }): Promise<AuditCheckpointRecord | undefined>;
}
