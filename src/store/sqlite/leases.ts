/**
 * @module store/sqlite/leases
 *
 * Named leases for jobs that exactly one instance of a fleet should run
 * (the status-list re-signing job): one row per name, taken in a single
 * UPSERT so two instances racing on one database cannot both win. Internal.
 */

import type { Database } from 'better-sqlite3';

export class LeaseStatements {
  readonly #acquire;

  constructor(db: Database) {
    // Taken when free, expired, or already ours (a renewal); otherwise the WHERE leaves the row alone and changes is 0.
    this.#acquire = db.prepare<{ name: string; holder: string; until: string; now: string }>(
      `INSERT INTO leases (name, holder, until) VALUES (@name, @holder, @until)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
       WHERE leases.until <= @now OR leases.holder = excluded.holder`,
    );
  }

  acquireLease(name: string, holder: string, until: string, now: string): boolean {
    return this.#acquire.run({ name, holder, until, now }).changes > 0;
  }
}
