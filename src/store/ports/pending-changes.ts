/**
 * @module store/ports/pending-changes
 *
 * Changes an operator asked for that wait for a second operator's
 * confirmation (the second-person policy, #18): a revocation, suspension or
 * reinstatement of a credential, or a retirement of an agent. Table
 * `pending_changes`. Data only: who may request or confirm is decided in
 * `node/changes`.
 */

/** The change kinds a second person may be required for. */
export type PendingChangeKind = 'revoke' | 'suspend' | 'reinstate' | 'retire';

/** Where a pending change stands. */
export type PendingChangeStatus = 'pending' | 'confirmed' | 'cancelled' | 'expired';

export interface PendingChangeRecord {
  /** `urn:uuid:…`. */
  id: string;
  kind: PendingChangeKind;
  /** A credential id (revoke, suspend, reinstate) or an agent DID (retire). */
  target: string;
  reason?: string | undefined;
  /** The operator who asked for it. */
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  status: PendingChangeStatus;
  /** The operator who confirmed or cancelled it. */
  decidedBy?: string | undefined;
  decidedAt?: string | undefined;
}

/** A page of pending changes, newest first. */
export interface PendingChangeQuery {
  status?: PendingChangeStatus | undefined;
  /** At most this many rows (1..1000). */
  limit: number;
}

export interface PendingChangeRepository {
  /** Stores a new change. @throws `ERR_CONFLICT` for an id already stored. */
  putPendingChange(change: PendingChangeRecord): Promise<void>;
  getPendingChange(id: string): Promise<PendingChangeRecord | undefined>;
  /** Changes newest first, optionally of one status. */
  listPendingChanges(query: PendingChangeQuery): Promise<PendingChangeRecord[]>;
  /**
   * Moves a change that is still `pending` and unexpired at `at` to
   * `status`, by `by`, at `at`; false when it was not (another operator or
   * instance decided it first, or it expired): the one decision wins.
   */
  decidePendingChange(id: string, status: 'confirmed' | 'cancelled', by: string, at: string): Promise<boolean>;
  /** Marks every pending change expired at `now` as `expired`; returns how many. */
  expirePendingChanges(now: string): Promise<number>;
  /** Deletes changes no longer pending that were decided or expired before `before` (the sweeper bounds the table); returns how many. */
  deletePendingChangesBefore(before: string): Promise<number>;
}
