/**
 * @module node/verify
 *
 * How a node verifies: DIDs through its resolver (its own from the store);
 * credential status through one status checker per node, which reads the
 * node's own lists from the store (a revocation shows at once, no server
 * needed) and fetches other issuers' lists, cached by their TTL; and issuer
 * trust through the node's trust registry (its own DID, then its trust list
 * and the lists it recognizes). Every message is verified within a work
 * budget of its own (#13 item 3).
 */

import type { VerifyCredentialOptions } from '../credential/verify-jwt.js';
import { WorkBudget } from '../lib/work-budget.js';
import { createStatusChecker, type StatusChecker } from '../status/check.js';
import type { NodeContext } from './context.js';
import { trustRegistry } from './registry.js';
import { localStatusLists } from './status.js';

const checkers = new WeakMap<NodeContext, StatusChecker>();

/** The node's status checker (one per context, so its cache is shared). */
export function statusChecker(ctx: NodeContext): StatusChecker {
  let checker = checkers.get(ctx);
  if (checker === undefined) {
    checker = createStatusChecker({
      resolver: ctx.resolver,
      local: localStatusLists(ctx),
      clock: ctx.clock,
      http: ctx.http,
      allowHttpLoopback: ctx.allowHttpLoopback,
      maxStatusAgeSeconds: ctx.verifier?.maxStatusAgeSeconds,
      statusAgePolicy: ctx.verifier?.statusAgePolicy,
    });
    checkers.set(ctx, checker);
  }
  return checker;
}

/**
 * Options for `verifyCapabilityCredential`, `verifyChain` and
 * `verifyPresentation` as this node verifies: status checked unless
 * `checkStatus` is false; issuer trust through the node's registry (so
 * nothing is fetched for a credential no trusted root vouches for); and a
 * fresh work budget (`ERR_WORK_LIMIT` past it), so call this once per
 * incoming message, or pass the message's `budget`. DID resolutions,
 * status lists, inflated bytes and signatures are charged to it; trust
 * lists this node itself recognizes are not (they are the node's own
 * choice, not the message's).
 */
export function verificationOptions(ctx: NodeContext, options: { checkStatus?: boolean; budget?: WorkBudget } = {}): VerifyCredentialOptions {
  const budget = options.budget ?? new WorkBudget(ctx.verifier?.workLimits);
  const checker = options.checkStatus === false ? undefined : statusChecker(ctx);
  const status = checker === undefined ? undefined : (credential: Record<string, unknown>) => checker.statusErrors(credential, { budget });
  // Trust lists' own revocation is always checked: a revoked list must not accredit anyone.
  const registry = trustRegistry(ctx, (credential) => statusChecker(ctx).statusErrors(credential));
  return {
    resolver: budget.resolver(ctx.resolver),
    clock: ctx.clock,
    budget,
    canonicalHashes: ctx.canonicalHashes,
    ...(status === undefined ? {} : { status }),
    trust: (issuer, capabilities, { depth }) => registry.trustErrors(issuer, capabilities, { depth }),
  };
}
