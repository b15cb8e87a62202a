/**
 * @module registry/decision-memo
 *
 * Trust decisions kept while nothing they rest on can have changed (#15,
 * #19): a node asks about its own accreditations at every exchange,
 * handshake and chain, and reading its own list and that list's status from
 * the store each time is most of a decision's cost.
 *
 * A decision is kept only when it is trusted and rests on the verifier's own
 * store alone: every list it opened was served by `local`, each list's own
 * status lists are local too, and nothing was passed over (no list or entry
 * skipped, so no other path could appear). It is used again only while the
 * store's change stamp stays the same (an accreditation, a revocation, a key
 * or a re-signed list changes it, in this process or another on the same
 * database), within the validity windows of the lists and the accreditation
 * it used (with the skew), and for at most one second (what a kept decision
 * does not see otherwise: its lists' status list credential running out).
 * Decisions through any fetched list are made afresh, their freshness being
 * the list cache's. Bounded in number, oldest dropped first. Instance state:
 * each registry owns one. Internal to `registry/`.
 */

import { deepFrozen } from '../lib/freeze.js';
import type { TrustDecision, TrustListCredential } from './types.js';

/** Longest a kept decision is used, in ms. */
export const MAX_KEPT_DECISION_MS = 1000;
/** Most decisions kept (issuers × capabilities × depths a node is asked about). */
const MAX_KEPT_DECISIONS = 256;

interface Kept {
  stamp: string;
  from: number;
  until: number;
  decision: TrustDecision;
}

/** Where a decision's lists came from, as its walk opened them. */
export interface Provenance {
  /** Every list opened, when each was served locally with local status; undefined once one was not. */
  lists: TrustListCredential[] | undefined;
  /** Whether the walk passed over any list or entry. */
  skipped: boolean;
}

const parsed = (time: string | undefined, fallback: number): number => {
  const ms = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isNaN(ms) ? fallback : ms;
};

/** Trust decisions resting on the store alone, kept per change stamp. */
export class DecisionMemo {
  readonly #kept = new Map<string, Kept>();
  readonly #stamp: () => string | undefined;

  constructor(stamp: () => string | undefined) {
    this.#stamp = stamp;
  }

  /** The decision kept for `key`, when it was kept under `stamp` (the one read now) and `now` lies within its windows. */
  get(key: string, stamp: string | undefined, now: number): TrustDecision | undefined {
    const kept = this.#kept.get(key);
    if (kept === undefined) return undefined;
    if (kept.stamp === stamp && now >= kept.from && now <= kept.until) return kept.decision;
    this.#kept.delete(key);
    return undefined;
  }

  /**
   * Keeps `decision` for `key` if it may be kept: trusted, reached through
   * local lists only (`provenance`), nothing skipped. Freezes it. `stamp` is the one read
   * before the decision's first list was opened: a change made meanwhile
   * makes the kept decision stale at once.
   */
  keep(key: string, stamp: string | undefined, decision: TrustDecision, provenance: Provenance, now: number, skewMs: number): void {
    if (stamp === undefined || !decision.trusted || provenance.skipped || provenance.lists === undefined || provenance.lists.length === 0) return;
    const windows = [...provenance.lists, decision.accreditation];
    const from = Math.max(...windows.map((w) => parsed(w.validFrom, Number.NEGATIVE_INFINITY) - skewMs));
    const until = Math.min(now + MAX_KEPT_DECISION_MS, ...windows.map((w) => parsed(w.validUntil, Number.POSITIVE_INFINITY) + skewMs));
    if (this.#kept.size >= MAX_KEPT_DECISIONS) this.#kept.delete(this.#kept.keys().next().value!);
    this.#kept.set(key, { stamp, from, until, decision: deepFrozen(decision) });
  }

  /** The change stamp now (read once per decision, before its lists). */
  stamp(): string | undefined {
    return this.#stamp();
  }

  /** How many decisions are kept. */
  get size(): number {
    return this.#kept.size;
  }
}
