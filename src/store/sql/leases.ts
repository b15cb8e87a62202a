/**
 * @module store/sql/leases
 *
 * Named leases for jobs exactly one instance of a fleet runs, over a
 * {@link SqlExecutor}: taken or renewed in one upsert, so two instances
 * racing on one database cannot both win. Internal.
 */

import type { LeaseRepository } from '../ports/leases.js';
import type { SqlExecutor } from './executor.js';

export function createLeaseRepository(exec: SqlExecutor): LeaseRepository {
  return {
    async acquireLease(name, holder, until, now) {
      // Taken when free, expired, or already ours (a renewal); otherwise the WHERE leaves the row alone and nothing comes back.
      const taken = await exec.get(
        `INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE leases.until <= ? OR leases.holder = excluded.holder
         RETURNING name`,
        [name, holder, until, now],
      );
      return taken !== undefined;
    },
  };
}
