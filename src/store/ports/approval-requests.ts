/**
 * @module store/ports/approval-requests
 *
 * The human approval inbox of an agent's node (table `approval_requests`):
 * an action one of this node's agents sent, which a verifier answered with
 * `approval_required`, waiting for its owner or an approver to decide. Only
 * this node's own agents' requests are ever stored; nothing a peer sends.
 */

export type ApprovalRequestStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'used';

export interface ApprovalRequestRecord {
  /** `urn:uuid:…`. */
  id: string;
  /** The agent's name (on this node). */
  agent: string;
  /** The verifier's DID (the agent the action was addressed to). */
  peer: string;
  /** What the agent asked for, to be sent again as it was: action, resource, scope, amount, params. */
  request: { action: string; resource: string; scope?: string; amount?: { value: number; currency: string }; params?: Record<string, unknown> };
  /** The hash an approval must name. */
  actionHash: string;
  /** The agent, then earlier actors out to the human owner. */
  attribution: string[];
  /** In words, whose approval the verifier accepts. */
  accepts: string[];
  status: ApprovalRequestStatus;
  createdAt: string;
  expiresAt: string;
  /** The approver's DID, once decided. */
  decidedBy?: string | undefined;
  /** The console operator who decided, when one did. */
  operator?: string | undefined;
  decidedAt?: string | undefined;
  /** The ApprovalCredential (a JWT), once approved. */
  approval?: string | undefined;
  /** The ApproverCredential (a JWT) this node's organization issued for the approver, when the approver is one of its operators. */
  approverCredential?: string | undefined;
  /** Why it was denied. */
  reason?: string | undefined;
}

/** What a decision writes. */
export type ApprovalRequestDecision = Pick<ApprovalRequestRecord, 'status'> & Partial<Pick<ApprovalRequestRecord, 'decidedBy' | 'operator' | 'decidedAt' | 'approval' | 'approverCredential' | 'reason'>>;

export interface ApprovalRequestRepository {
  /** Stores a request unless its agent already has `maxPending` pending ones; false when full. */
  putApprovalRequest(request: ApprovalRequestRecord, maxPending: number): Promise<boolean>;
  getApprovalRequest(id: string): Promise<ApprovalRequestRecord | undefined>;
  /** Newest first. */
  listApprovalRequests(query: { status?: ApprovalRequestStatus | undefined; agent?: string | undefined; limit: number }): Promise<ApprovalRequestRecord[]>;
  /** Moves a request from status `from` to the decision, in one conditional statement; false when it was not in `from` (another decision won). */
  decideApprovalRequest(id: string, from: ApprovalRequestStatus, decision: ApprovalRequestDecision): Promise<boolean>;
  /** Marks pending requests past their expiry `expired`, and deletes requests that ended before `forgetBefore`; returns [expired, deleted]. */
  sweepApprovalRequests(now: string, forgetBefore: string): Promise<[number, number]>;
}
