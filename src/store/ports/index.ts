/**
 * @module store/ports
 *
 * The store's ports, one per aggregate: narrow repository interfaces the
 * node's services depend on. `Store` (in `store/types`) is their
 * composition plus a transaction; the SQLite store implements them
 * structurally, and a PostgreSQL store can implement them as repositories.
 */

export type { OrganizationRepository } from './organization.js';
export type { AgentRepository } from './agents.js';
export type { KeyRepository } from './keys.js';
export type { CredentialRepository } from './credentials.js';
export type { OpenStatusList, StatusListRepository, TakenStatusPositions } from './status-lists.js';
export type { RegistryRepository } from './registry.js';
export type { ReplayRepository } from './replay.js';
export type { IdempotencyRepository, StoredAnswer } from './idempotency.js';
export type { UsageRepository } from './usage.js';
export type { SessionRepository } from './sessions.js';
export type { ApprovalRepository } from './approvals.js';
export type { PublishedTrustListRecord, TrustListRepository } from './trust-list.js';
export type { AuditRepository } from './audit.js';
export type { SettingsRepository } from './settings.js';
export type { MaintenanceRepository } from './maintenance.js';
export type { StatusSubscriptionRepository, SubscriptionBounds, SubscriptionOutcome } from './status-subscriptions.js';
export type { AlertQuery, AlertRecord, AlertRepository, AlertSeverity } from './alerts.js';
export type { OperatorPatch, OperatorRecord, OperatorRepository, OperatorSessionRecord } from './operators.js';
export type { PendingChangeKind, PendingChangeQuery, PendingChangeRecord, PendingChangeRepository, PendingChangeStatus } from './pending-changes.js';
export type { ApprovalRequestDecision, ApprovalRequestRecord, ApprovalRequestRepository, ApprovalRequestStatus } from './approval-requests.js';
