/**
 * @module store/ports/audit
 *
 * The hash-chained audit log and its checkpoints. The store keeps each
 * entry's canonical JSON verbatim and never interprets it; verification (in
 * `audit/`) recomputes everything from the entry.
 */

import type { AuditCheckpointRecord, AuditEntryQuery, AuditEntryRecord } from '../types.js';

/** Audit entries (append-only, gapless) and checkpoints. */
export interface AuditRepository {
  /**
   * Appends one audit entry. Its `seq` must be exactly the last entry's `seq`
   * + 1 (1 for the first), checked atomically with the insert; anything else
   * is `ERR_CONFLICT`, so concurrent writers can never fork or gap the log.
   */
  appendAuditEntry(entry: AuditEntryRecord): Promise<void>;
  /** The entry with the highest `seq`. */
  lastAuditEntry(): Promise<AuditEntryRecord | undefined>;
  /** Matching entries, ordered by `seq`. */
  listAuditEntries(query?: AuditEntryQuery): Promise<AuditEntryRecord[]>;
  /** Records a checkpoint; a `seq` not above the last checkpoint's is `ERR_CONFLICT`. */
  putAuditCheckpoint(checkpoint: AuditCheckpointRecord): Promise<void>;
  /** Every checkpoint, ordered by `seq`. */
  listAuditCheckpoints(): Promise<AuditCheckpointRecord[]>;
  /** The checkpoint with the highest `seq`. */
  lastAuditCheckpoint(): Promise<AuditCheckpointRecord | undefined>;
}
