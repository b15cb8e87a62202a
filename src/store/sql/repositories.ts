/**
 * @module store/sql/repositories
 *
 * Every port of `store/ports` over one {@link SqlExecutor}: the shared
 * repositories composed into the {@link Repositories} a store (or one of its
 * transactions) hands out. Internal.
 */

import type { IntegrityReport, Repositories } from '../types.js';
import { createAgentRepository } from './agents.js';
import { createIdempotencyRepository } from './answers.js';
import { createAuditRepository } from './audit.js';
import { createCredentialRepository } from './credentials.js';
import type { SqlExecutor } from './executor.js';
import { createKeyRepository } from './keys.js';
import { createLeaseRepository } from './leases.js';
import { createMaintenanceRepository } from './maintenance.js';
import { createOrganizationRepository } from './organization.js';
import { createRegistryRepository } from './registry.js';
import { createReplayRepository } from './replay.js';
import { createSessionRepository } from './sessions.js';
import { createSettingsRepository } from './settings.js';
import { createStatusListRepository } from './status-lists.js';
import { createUsageRepository } from './usage.js';

/** The backend's own integrity check (SQLite's `quick_check`; PostgreSQL has none to run). */
export type IntegrityCheck = (options: { quick?: boolean }) => Promise<IntegrityReport>;

export function createRepositories(exec: SqlExecutor, checkIntegrity: IntegrityCheck): Repositories {
  return {
    ...createOrganizationRepository(exec),
    ...createAgentRepository(exec),
    ...createKeyRepository(exec),
    ...createCredentialRepository(exec),
    ...createStatusListRepository(exec),
    ...createRegistryRepository(exec),
    ...createReplayRepository(exec),
    ...createIdempotencyRepository(exec),
    ...createUsageRepository(exec),
    ...createSessionRepository(exec),
    ...createAuditRepository(exec),
    ...createSettingsRepository(exec),
    ...createLeaseRepository(exec),
    ...createMaintenanceRepository(exec, checkIntegrity),
  };
}
