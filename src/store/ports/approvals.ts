/**
 * @module store/ports/approvals
 *
 * The approvers an organization names (DIDs whose signed approvals count for
 * its approval-gated actions), in table `approvers`, in the order named.
 */

/** The organization's named approvers. */
export interface ApprovalRepository {
  /** The approvers' DIDs, in the order they were named. */
  listApprovers(): Promise<string[]>;
  /** Replaces the approvers (inside a transaction, read them first: the read takes the list's lock). */
  putApprovers(dids: readonly string[]): Promise<void>;
}
