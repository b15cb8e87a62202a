/**
 * @module node/verify
 *
 * How a node verifies: DIDs through its resolver (its own from the store),
 * and credential status through one status checker per node, which reads the
 * node's own lists from the store (a revocation shows at once, no server
 * needed) and fetches other issuers' lists, cached by their TTL.
 */

import type { VerifyCredentialOptions } from '../credential/verify-jwt.js';
import { createStatusChecker, type StatusChecker } from '../status/check.js';
import type { NodeContext } from './context.js';
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
      ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }),
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
  return {
    resolver: ctx.resolver,
    clock: ctx.clock,
    ...(checker === undefined ? {} : { status: (credential) => checker.statusErrors(credential) }),
  };
}
