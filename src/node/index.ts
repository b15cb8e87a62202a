/**
 * @module node
 *
 * A Legate node over a data directory: initialize it, open it (or compose
 * one from your own ports with `createNode`), register agents and issue
 * them capability credentials. The CLI and the HTTP service are thin layers
 * over the node's services and these functions.
 */

export { initNode, type InitOptions } from './init.js';
export { openNode, isInitialized } from './open.js';
export type { NodeContext, NodeOptions, VerifierPolicy, StatusPushPolicy } from './context.js';
export { DEFAULT_STATUS_PUSH_POLICY } from './context.js';
export type { StatusPushService } from './revocation-push.js';
export { createNode, type NodeDeps } from './create.js';
export { inTransaction } from './context.js';
export type { NodeServices, AgentService, IssuanceService, StatusListService, RegistryService, ExchangeService } from './services.js';
export type { VerifierService } from './verify.js';
export type { AuditService } from './audit.js';
export { createAgent, getAgent, listAgents, showAgent, type CreateAgentOptions } from './agents.js';
export { issueToAgent, type IssueToAgentOptions } from './issue.js';
export { checkIssueItems, issueMany, MAX_ISSUE_MANY, type IssueManyOptions } from './issue-many.js';
export { organizationSigner, signerFor } from './signers.js';
export { organizationDocument, agentDocument, aceEndpoint, nodeBaseUrl } from './documents.js';
export { delegateFromAgent, type DelegateFromAgentOptions } from './delegate.js';
export { presentAsAgent, type PresentAsAgentOptions } from './present.js';
export { retireAgent, type RetireOptions, type RetireResult } from './retire.js';
export {
  listCredentials,
  expiringWithinMs,
  MAX_CREDENTIAL_PAGE,
  DEFAULT_CREDENTIAL_PAGE,
  MAX_CREDENTIALS_SCANNED,
  type ListCredentialsOptions,
  type CredentialPage,
} from './list-credentials.js';
export { showCredential, type CredentialDetail } from './show-credential.js';
export { exportAuditBundle, type ExportAuditBundleOptions } from './audit-export.js';
export { pruneAudit, type PruneAuditOptions, type PruneAuditResult } from './audit-prune.js';
export { CREDENTIAL_STATES, type CredentialState, type CredentialView, type CredentialStatusView } from './credential-view.js';
export {
  changeStatus,
  credentialStatus,
  publishedStatusList,
  localStatusLists,
  statusListUrl,
  STATUS_LIST_SIZE,
  STATUS_LIST_TTL_MS,
  type StatusChange,
  type StatusChangeResult,
} from './status.js';
export {
  refreshStatusLists,
  startStatusRefresh,
  DEFAULT_STATUS_REFRESH_INTERVAL_MS,
  STATUS_REFRESH_LEASE,
  type StatusRefreshOptions,
  type StatusRefreshResult,
  type StatusRefreshSchedule,
} from './status-refresh.js';
export {
  renewCredentials,
  startRenewal,
  DEFAULT_RENEWAL_INTERVAL_MS,
  MAX_RENEWALS_PER_RUN,
  RENEWAL_LEASE,
  type Renewal,
  type RenewalOptions,
  type RenewalResult,
  type RenewalSchedule,
} from './renew.js';
export { statusChecker, verificationOptions } from './verify.js';
// The per-message work budget, for callers that verify outside verificationOptions (#13 item 3).
export { WorkBudget, DEFAULT_WORK_LIMITS, type WorkLimits, type WorkKind } from '../lib/work-budget.js';
export { assembleChain, readChainFile, type AssembledChain } from './chain-of.js';
export {
  accredit,
  recognize,
  removeRegistryEntry,
  publishedTrustList,
  trustRegistry,
  trustListUrl,
  registryEntries,
  TRUST_LIST_PATH,
  type AccreditOptions,
  type RecognizeOptions,
} from './registry.js';
export { handleAceMessage, sessionChains, type AceOutcome } from './ace.js';
export { handleAction, type ActionDecision, type HandleActionOptions } from './actions.js';
export { handshake, act, approve, actionToApprove, peerDid, type HandshakeResult, type ActOptions } from './peer.js';
export { heldCredentials } from './present.js';
export { addApprover, removeApprover, listApprovers } from './approvers.js';
export { sweepNode, startSweeper, usageExpiry, SWEEP_INTERVAL_MS } from './sweep.js';
export { assertStoreIntact, checkNodeDatabase } from './integrity.js';
export { migrateNodeStore, type StoreMigration } from './store-migrate.js';
export { flushRefusals, REFUSALS_PER_MINUTE, REFUSALS_PER_PEER_PER_MINUTE } from './audit.js';
// The key lifecycle (#17 item 1): rotation, retirement, compromise revocation, the scheduled policy.
export { rotateOrganizationKey, rotateAgentKey, type KeyRotation } from './key-rotate.js';
export { rotateDidKeyAgent, type DidKeyRotation } from './key-rotate-did-key.js';
export { retireKeys, type RetiredKey } from './key-retire.js';
export { revokeKey, type KeyRevocation } from './key-revoke.js';
export { keyStates, signingKidOf, tokenGraceMs, type KeyState, type KeyRetirement } from './key-lifecycle.js';
export { runKeyRotation, startKeyRotation, KEY_ROTATION_LEASE, DEFAULT_KEY_ROTATION_INTERVAL_MS, type KeyRotationRun, type KeyRotationSchedule } from './key-schedule.js';
