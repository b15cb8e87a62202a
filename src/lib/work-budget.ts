/**
 * @module lib/work-budget
 *
 * What one incoming message (an advertise, a presentation, a signed action,
 * a file given to `legate verify`) may cost its verifier (#13 item 3). Each
 * list and token has its own bounds, but a message may name many of them:
 * without a total, one message could make a node resolve dozens of DIDs,
 * fetch and inflate dozens of status lists and check hundreds of
 * signatures. A budget counts the work as it is done and refuses the
 * message with `ERR_WORK_LIMIT` once a kind of work runs out; the node
 * creates one per message, so no message can spend another's.
 *
 * What is counted, and why the defaults:
 * - `resolutions`: distinct DIDs resolved. A presentation carries at most 32
 *   credentials, so at most 32 issuers, plus its holder (the sender): 40
 *   leaves room for that worst honest case and no more.
 * - `statusLists`: distinct status lists looked up. An issuer usually keeps
 *   one list per purpose; a nine-link chain whose every issuer lists both
 *   revocation and suspension names 18; 32 covers two such chains.
 * - `inflatedBytes`: bytes of status lists inflated (on fetch, or when a
 *   large list kept compressed is read again). 16 MiB is the largest single
 *   list a checker accepts by default: one message gets one such list, or
 *   a thousand minimum-size (16 KiB) ones.
 * - `signatures`: signatures verified (credentials, the presentation, the
 *   message). 32 credentials, a presentation and a message make 34; 64
 *   leaves room for a Data Integrity chain beside its JWT twin.
 *
 * Repeated lookups of one DID or list inside a message are charged once:
 * they are answered from caches, and the bound is on distinct work.
 */

import type { Resolvable } from 'did-resolver';
import { legateError } from '../errors/index.js';

/** A resolver's optional key lookup (did/verification-key's `KeyResolvable`), by shape: lib/ does not import did/. */
interface KeyLookupCarrier {
  resolveKey?: ((did: string, ...rest: never[]) => unknown) | undefined;
}

/** The most work of each kind one message may cost. */
export interface WorkLimits {
  /** Distinct DIDs resolved. */
  resolutions: number;
  /** Distinct status lists looked up (fetched, or read from a cache). */
  statusLists: number;
  /** Bytes of status lists inflated. */
  inflatedBytes: number;
  /** Signatures verified. */
  signatures: number;
}

/** A kind of work a budget counts. */
export type WorkKind = keyof WorkLimits;

/** The defaults; see the module comment for why each is what it is. */
export const DEFAULT_WORK_LIMITS: Readonly<WorkLimits> = Object.freeze({
  resolutions: 40,
  statusLists: 32,
  inflatedBytes: 16 * 1024 * 1024,
  signatures: 64,
});

const KINDS = Object.keys(DEFAULT_WORK_LIMITS) as WorkKind[];

/**
 * The work one message may still cost. Charging past a limit throws
 * `ERR_WORK_LIMIT` (an {@link InputError}: the message asks for too much),
 * and every later charge of that kind throws too, so work running in
 * parallel for the same message stops as well.
 *
 * @example
 * ```ts
 * const budget = new WorkBudget({ resolutions: 8 });
 * const options = { resolver: budget.resolver(resolver), budget };
 * await verifyPresentation(vp, { ...options, audience, nonce }); // throws ERR_WORK_LIMIT past 8 DIDs
 * ```
 */
export class WorkBudget {
  readonly limits: Readonly<WorkLimits>;
  readonly #spent: WorkLimits = { resolutions: 0, statusLists: 0, inflatedBytes: 0, signatures: 0 };
  readonly #seen = new Map<WorkKind, Set<string>>();

  /** @throws RangeError for a limit that is not a non-negative safe integer. */
  constructor(limits: Partial<WorkLimits> = {}) {
    const merged = { ...DEFAULT_WORK_LIMITS };
    for (const kind of KINDS) {
      const value = limits[kind];
      if (value === undefined) continue;
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`work limit ${kind} must be a non-negative integer`);
      merged[kind] = value;
    }
    this.limits = Object.freeze(merged);
  }

  /** What has been charged so far of `kind`. */
  spent(kind: WorkKind): number {
    return this.#spent[kind];
  }

  /**
   * Charges `amount` of `kind`.
   * @throws InputError `ERR_WORK_LIMIT` when it would exceed the limit (nothing is charged then).
   */
  charge(kind: WorkKind, amount = 1): void {
    const limit = this.limits[kind];
    if (this.#spent[kind] + amount > limit) {
      throw legateError('ERR_WORK_LIMIT', `the message needs more than ${limit} ${LABELS[kind]}, this verifier's limit per message`, {
        claim: kind,
        reason: kind,
      });
    }
    this.#spent[kind] += amount;
  }

  /** Charges one `kind` for `key` the first time it is seen; repeats are free. @throws InputError `ERR_WORK_LIMIT` */
  chargeOnce(kind: WorkKind, key: string): void {
    let seen = this.#seen.get(kind);
    if (seen === undefined) this.#seen.set(kind, (seen = new Set()));
    if (seen.has(key)) return;
    this.charge(kind);
    seen.add(key);
  }

  /**
   * `resolver`, charging one resolution per distinct DID to this budget. Its
   * key lookup (`resolveKey`, did/verification-key), when it carries one, is
   * kept and charged the same way: the signature path then still answers
   * from the resolver's cache.
   */
  resolver<R extends Resolvable & KeyLookupCarrier>(resolver: R): Resolvable & Pick<R, 'resolveKey'> {
    const budgeted: Resolvable & KeyLookupCarrier = {
      // Charged before the lookup (an async function: a refusal rejects), so a refused DID is never fetched.
      resolve: async (didUrl, options) => {
        this.chargeOnce('resolutions', didUrl.split('#')[0]!);
        return resolver.resolve(didUrl, options);
      },
    };
    const { resolveKey } = resolver;
    if (typeof resolveKey === 'function') {
      // A throw here rejects the verification that asked, as a refused `resolve` does.
      budgeted.resolveKey = (did, ...rest) => {
        this.chargeOnce('resolutions', did.split('#')[0]!);
        return resolveKey.call(resolver, did, ...rest);
      };
    }
    return budgeted;
  }
}

const LABELS: Record<WorkKind, string> = {
  resolutions: 'DID resolutions',
  statusLists: 'status lists',
  inflatedBytes: 'bytes of inflated status lists',
  signatures: 'signature verifications',
};
