/**
 * @module node/verify
 *
 * How a node verifies: DIDs through its resolver (its own from the store);
 * credential status through one status checker per node, which reads the
 * node's own lists from the store (a revocation shows at once, no server
 * needed) and fetches other issuers' lists, cached by their TTL; and issuer
 * trust through the node's trust registry (its own DID, then its trust list
 * and the lists it recognizes).
 */

import type { VerifyCredentialOptions } from '../credential/verify-jwt.js';
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
    });
    checkers.set(ctx, checker);
  }
  return checker;
}

/**
 * Options for `verifyCapabilityCredential`, `verifyChain` and
 * `verifyPresentation` as this node verifies: status checked unless
 * `checkStatus` is false.
 */
export function verificationOptions(ctx: NodeContext, options: { checkStatus?: boolean } = {}): VerifyCredentialOptions {
  const checker = options.checkStatus === false ? undefined : statusChecker(ctx);
  const status = checker === undefined ? undefined : (credential: Record<string, unknown>) => checker.statusErrors(credential);
  // Trust lists' own revocation is always checked: a revoked list must not accredit anyone.
  const registry = trustRegistry(ctx, (credential) => statusChecker(ctx).statusErrors(credential));
  return {
    resolver: ctx.resolver,
    clock: ctx.clock,
    ...(status === undefined ? {} : { status }),
    trust: (issuer, capabilities, { depth }) => registry.trustErrors(issuer, capabilities, { depth }),
  };
}
