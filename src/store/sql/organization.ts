/**
 * @module store/sql/organization
 *
 * The one organization a store speaks for, over a {@link SqlExecutor}: a
 * single row with `id = 1`, so a second one is a primary-key conflict
 * (`ERR_CONFLICT`, "an organization already exists"). Internal.
 */

import type { OrganizationRepository } from '../ports/organization.js';
import type { OrganizationRecord } from '../types.js';
import type { SqlExecutor } from './executor.js';

interface OrganizationRow {
  did: string;
  domain: string;
  name: string;
  created_at: string;
}

export function createOrganizationRepository(exec: SqlExecutor): OrganizationRepository {
  return {
    async getOrganization() {
      const row = await exec.get<OrganizationRow>('SELECT did, domain, name, created_at FROM organization WHERE id = 1');
      return row && { did: row.did, domain: row.domain, name: row.name, createdAt: row.created_at };
    },
    async putOrganization(org: OrganizationRecord) {
      await exec.run('INSERT INTO organization (id, did, domain, name, created_at) VALUES (1, ?, ?, ?, ?)', [
        org.did,
        org.domain,
        org.name,
        org.createdAt,
      ]);
    },
  };
}
