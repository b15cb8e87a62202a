/**
 * @module node/verify
 *
 * How a node verifies: DIDs through its resolver (its own from the store);
 * credential status through the node's one status checker, which reads the
 * node's own lists from the store (a revocation shows at once, no server
 * needed) and fetches other issuers' lists, cached by their TTL; and issuer
 * trust through the node's trust registry (its own DID, then its trust list
 * and the lists it recognizes). Both are built once per node by
 * {@link createVerifier}, so their caches belong to that node. Every message
 * is verified within a work budget of its own (#13 item 3).
 *
 * The checker and the registry, and the credential verification code under
 * them, are loaded on their first use, not when the node opens: a command
 * that verifies nothing (`legate agent list`) never loads them (#14).
 */

import type { SignatureMemo } from '../lib/signature-memo.js';
import type { KeyResolvable } from '../did/verification-key.js';
import type { CanonicalHashes } from '../data-integrity/hashes.js';
import type { VerifyCredentialOptions } from '../credential/verify-jwt.js';
import { createValidSchemas } from '../lib/valid-schemas.js';
import type { Clock } from '../lib/clock.js';
import type { HttpClient } from '../lib/http-client.js';
import { WorkBudget } from '../lib/work-budget.js';
import type { TrustRegistry } from '../registry/trust.js';
import { MAX_TRUST_HOPS } from '../registry/types.js';
import type { StatusChecker } from '../status/check.js';
import type { NodeContext, VerifierPolicy } from './context.js';

/** A node's verifier: its status checker, its trust registry, and the options verification takes from them. */
export interface VerifierService {
  readonly statusChecker: StatusChecker;
  readonly trustRegistry: TrustRegistry;
  /** See {@link verificationOptions}. */
  options(options?: { checkStatus?: boolean; budget?: WorkBudget }): VerifyCredentialOptions;
}

/** What a verifier is built from: no store, only lookups of the node's own published lists. */
export interface VerifierDeps {
  /** The node's own DID, trusted for everything. */
  self: string;
  /** The node's own trust list: its URL, and how to read its current token (no server needed). */
  ownTrustList: { url: string; read(): Promise<string> };
  /** The node's own status lists by URL (undefined for any other URL). */
  localStatusList(url: string): Promise<string | undefined>;
  /** Whether a status list URL is one of the node's own (read from its store). */
  isLocalStatusList?: ((url: string) => boolean) | undefined;
  /**
   * The store's change stamp (`Store.changeStamp`): while it holds, a trust decision resting on the node's own
   * list alone is kept (registry/decision-memo). Without it, every decision reads the list again.
   */
  changeStamp?: (() => string | undefined) | undefined;
  resolver: KeyResolvable;
  http: HttpClient;
  clock: Clock;
  allowHttpLoopback: boolean;
  policy?: VerifierPolicy | undefined;
  /** The node's cache of canonical hashes for Data Integrity proofs (owned by the node, not the module). */
  canonicalHashes?: CanonicalHashes | undefined;
  /** The node's memory of valid signatures (lib/signature-memo), given to every verification it makes. */
  signatureMemo?: SignatureMemo | undefined;
  /** Told when a remote status list is relied on (the node subscribes to its issuer's notices); see `StatusCheckerOptions.onRemoteList`. */
  onRemoteList?: ((url: string, issuer: string) => void) | undefined;
}

/** Builds a node's verifier; call once per node. The status checker and the trust registry are built on their first use. */
export function createVerifier(deps: VerifierDeps): VerifierService {
  const { policy } = deps;
  let built: Promise<{ statusChecker: StatusChecker; trustRegistry: TrustRegistry }> | undefined;
  const load = () => (built ??= build(deps));
  // This node's memory of credentials found to match their schema (by payload digest): validated once each.
  const validSchemas = createValidSchemas();
  const statusChecker: StatusChecker = {
    check: async (credential, lookup) => (await load()).statusChecker.check(credential, lookup),
    statusErrors: async (credential, lookup) => (await load()).statusChecker.statusErrors(credential, lookup),
    // Nothing is cached before the checker is built.
    expire: (url) => void built?.then((b) => b.statusChecker.expire(url)),
  };
  const trustRegistry: TrustRegistry = {
    self: deps.self,
    isTrusted: async (issuer, capability, options) => (await load()).trustRegistry.isTrusted(issuer, capability, options),
    trustErrors: async (rootIssuer, capabilities, options) => (await load()).trustRegistry.trustErrors(rootIssuer, capabilities, options),
    isRecognized: async (registry, recognized) => (await load()).trustRegistry.isRecognized(registry, recognized),
  };
  return {
    statusChecker,
    trustRegistry,
    options(options = {}) {
      const budget = options.budget ?? new WorkBudget(policy?.workLimits);
      const status =
        options.checkStatus === false ? undefined : (credential: Record<string, unknown>) => statusChecker.statusErrors(credential, { budget });
      return {
        resolver: budget.resolver(deps.resolver),
        clock: deps.clock,
        budget,
        ...(deps.canonicalHashes === undefined ? {} : { canonicalHashes: deps.canonicalHashes }),
        ...(deps.signatureMemo === undefined ? {} : { signatureMemo: deps.signatureMemo }),
        validSchemas,
        ...(status === undefined ? {} : { status }),
        trust: (issuer, capabilities, { depth }) => trustRegistry.trustErrors(issuer, capabilities, { depth }),
      };
    },
  };
}

/** The checker and the registry of {@link createVerifier}, with the modules they need. */
async function build(deps: VerifierDeps): Promise<{ statusChecker: StatusChecker; trustRegistry: TrustRegistry }> {
  const [{ createStatusChecker }, { createTrustRegistry }] = await Promise.all([import('../status/check.js'), import('../registry/trust.js')]);
  const { policy } = deps;
  const statusChecker = createStatusChecker({
    resolver: deps.resolver,
    local: (url) => deps.localStatusList(url),
    localUrl: deps.isLocalStatusList,
    clock: deps.clock,
    http: deps.http,
    allowHttpLoopback: deps.allowHttpLoopback,
    maxStatusAgeSeconds: policy?.maxStatusAgeSeconds,
    statusAgePolicy: policy?.statusAgePolicy,
    onRemoteList: deps.onRemoteList,
  });
  const own = deps.ownTrustList;
  const trustRegistry = createTrustRegistry({
    self: deps.self,
    anchors: [{ url: own.url, issuer: deps.self, hops: MAX_TRUST_HOPS }],
    resolver: deps.resolver,
    local: async (url) => (url === own.url ? own.read() : undefined),
    http: deps.http,
    allowHttpLoopback: deps.allowHttpLoopback,
    // Trust lists' own revocation is always checked: a revoked list must not accredit anyone.
    status: (credential) => statusChecker.statusErrors(credential),
    clock: deps.clock,
    localStamp: deps.changeStamp,
    localStatus: deps.isLocalStatusList,
  });
  return { statusChecker, trustRegistry };
}

/** The node's status checker (one per node, so its cache is shared). */
export function statusChecker(ctx: NodeContext): StatusChecker {
  return ctx.services.verifier.statusChecker;
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
  return ctx.services.verifier.options(options);
}
