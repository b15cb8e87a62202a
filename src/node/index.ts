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
export { organizationSigner, signerFor } from './signers.js';
export { organizationDocument, agentDocument, aceEndpoint, nodeBaseUrl } from './documents.js';
export { delegateFromAgent, type DelegateFromAgentOptions } from './delegate.js';
export { presentAsAgent, type PresentAsAgentOptions } from './present.js';
export { retireAgent, type RetireResult } from './retire.js';
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
export { handleAction, type ActionDecision } from './actions.js';
export { handshake, act, approve, actionToApprove, peerDid, type HandshakeResult, type ActOptions } from './peer.js';
export { heldCredentials } from './present.js';
export { addApprover, removeApprover, listApprovers } from './approvers.js';
export { sweepNode, startSweeper, usageExpiry, SWEEP_INTERVAL_MS } from './sweep.js';
export { assertStoreIntact, checkNodeDatabase } from './integrity.js';
export { migrateNodeStore, type StoreMigration } from './store-migrate.js';
export { flushRefusals, REFUSALS_PER_MINUTE, REFUSALS_PER_PEER_PER_MINUTE } from './audit.js';
