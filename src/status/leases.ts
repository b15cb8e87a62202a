/**
 * @module status/leases
 *
 * Status list positions one instance holds ahead of use, per issuer and
 * purpose. A lease is taken from the list's cursor in a transaction of its
 * own, which has committed before the lease is put here; credentials then
 * get its positions one by one from memory, so issuing one moves no cursor
 * (a statement and a WAL page fewer a purpose, and on PostgreSQL a round
 * trip fewer).
 *
 * A position is handed out once: {@link StatusLeases.take} moves past what
 * it returns before returning, and nothing is ever put back. Positions a
 * lease still holds when the process ends, and those of an issuance that
 * rolled back, are never used: gaps in the list's order, which cost room
 * (at most {@link STATUS_LEASE_SIZE} a purpose at each start, one a purpose
 * for each failed issuance), never an index twice. Internal.
 */

import type { TakenStatusPositions } from '../store/ports/status-lists.js';
import { STATUS_PURPOSES, type StatusPurpose } from './types.js';

/** Positions a lease takes at once. */
export const STATUS_LEASE_SIZE = 64;

/** Positions of a list's order: `count` of them from `first`. */
export type StatusPositions = TakenStatusPositions & { count: number };

interface Lease extends Omit<TakenStatusPositions, 'first'> {
  /** The next position to hand out, up to `end` (exclusive). */
  next: number;
  end: number;
}

const keyOf = (issuer: string, purpose: StatusPurpose) => `${purpose} ${issuer}`;
/** Whether a lease still holds a position to hand out. */
const holds = (lease: Lease | undefined): lease is Lease => lease !== undefined && lease.next < lease.end;

export class StatusLeases {
  readonly #leases = new Map<string, Lease>();
  /** Leases being taken, by issuer, so callers arriving together wait for one instead of each taking its own. */
  readonly #taking = new Map<string, Promise<void>>();

  /** Up to `want` positions of the lease for `issuer` and `purpose`; undefined when it holds none. */
  take(issuer: string, purpose: StatusPurpose, want: number): StatusPositions | undefined {
    const lease = this.#leases.get(keyOf(issuer, purpose));
    if (!holds(lease) || want < 1) return undefined;
    const count = Math.min(want, lease.end - lease.next);
    const taken = { listId: lease.listId, size: lease.size, seed: lease.seed, first: lease.next, count };
    lease.next += count;
    return taken;
  }

  /** The purposes for which the lease of `issuer` holds no position. */
  lacking(issuer: string): StatusPurpose[] {
    return STATUS_PURPOSES.filter((purpose) => !holds(this.#leases.get(keyOf(issuer, purpose))));
  }

  /**
   * Makes sure the leases of `issuer` hold a position for every purpose:
   * for those that hold none, `takeCommitted` takes new ones (in the order
   * of the purposes it is given), which must have committed when it
   * resolves (never positions of a transaction still open). Concurrent
   * callers share one call.
   */
  async ensure(issuer: string, takeCommitted: (purposes: StatusPurpose[]) => Promise<StatusPositions[]>): Promise<void> {
    let taking = this.#taking.get(issuer);
    if (taking === undefined) {
      const lacking = this.lacking(issuer);
      if (lacking.length === 0) return;
      taking = takeCommitted(lacking)
        .then((taken) => {
          taken.forEach((t, i) => this.#leases.set(keyOf(issuer, lacking[i]!), { listId: t.listId, size: t.size, seed: t.seed, next: t.first, end: t.first + t.count }));
        })
        .finally(() => this.#taking.delete(issuer));
      this.#taking.set(issuer, taking);
    }
    await taking;
  }
}
