/**
 * @module store/sql/repositories
 *
 * Every port of `store/ports` over one {@link SqlExecutor}: the shared
 * repositories, one factory per port, that a store (and each of its
 * transactions) composes into the {@link Repositories} it hands out.
 * Internal.
 */

import type { Repositories } from '../types.js';
import { createAgentRepository } from './agents.js';
import { createAlertRepository } from './alerts.js';
import { createOperatorRepository } from './operators.js';
import { createApprovalRequestRepository } from './approval-requests.js';
import { createPendingChangeRepository } from './pending-changes.js';
import { createApprovalRepository } from './approvals.js';
import { createIdempotencyRepository } from './answers.js';
import { createAuditRepository } from './audit.js';
import { createCredentialRepository } from './credentials.js';
import type { SqlExecutor } from './executor.js';
import { createKeyRepository } from './keys.js';
import { createLeaseRepository } from './leases.js';
import { createMaintenanceRepository, type IntegrityCheck } from './maintenance.js';
import { createOrganizationRepository } from './organization.js';
import { createRegistryRepository } from './registry.js';
import { createReplayRepository } from './replay.js';
import { createSessionRepository } from './sessions.js';
import { createSettingsRepository } from './settings.js';
import { createStatusListRepository } from './status-lists.js';
import { createStatusSubscriptionRepository } from './status-subscriptions.js';
import { createTrustListRepository } from './trust-list.js';
import { createUsageRepository } from './usage.js';

export type { IntegrityCheck } from './maintenance.js';

/** One port's repository over an executor. */
export type RepositoryFactory = (exec: SqlExecutor, checkIntegrity: IntegrityCheck) => object;

/** Every port's factory; together their methods are {@link Repositories}. */
export const REPOSITORY_FACTORIES: readonly RepositoryFactory[] = [
  createOrganizationRepository,
  createAgentRepository,
  createKeyRepository,
  createCredentialRepository,
  createStatusListRepository,
  createRegistryRepository,
  createReplayRepository,
  createIdempotencyRepository,
  createUsageRepository,
  createSessionRepository,
  createAuditRepository,
  createSettingsRepository,
  createLeaseRepository,
  createMaintenanceRepository,
  createStatusSubscriptionRepository,
  createApprovalRepository,
  createTrustListRepository,
  createAlertRepository,
  createOperatorRepository,
  createApprovalRequestRepository,
  createPendingChangeRepository,
];

/** Every port over `exec`, composed. */
export function createRepositories(exec: SqlExecutor, checkIntegrity: IntegrityCheck): Repositories {
  return Object.assign({}, ...REPOSITORY_FACTORIES.map((create) => create(exec, checkIntegrity))) as Repositories;
}
