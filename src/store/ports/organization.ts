/**
 * @module store/ports/organization
 *
 * The organization a node speaks for: exactly one per store.
 */

import type { OrganizationRecord } from '../types.js';

/** Reads and writes the store's one organization; a second one is `ERR_CONFLICT`. */
export interface OrganizationRepository {
  getOrganization(): Promise<OrganizationRecord | undefined>;
  putOrganization(org: OrganizationRecord): Promise<void>;
}
