/**
 * @module veramo/runtime
 *
 * What the plugin's methods verify with: a DID resolver, the status checker
 * and the trust registry built on it, and the clock. Which resolver depends
 * on the agent (its `resolveDid`, when it has one), so a runtime is built
 * per agent and kept, with its caches of status and trust lists, for as
 * long as the agent lives. Internal to the plugin.
 */

import type { DIDResolutionResult, Resolvable } from 'did-resolver';
import type { VerifyCredentialOptions } from '../credential/verify-jwt.js';
import { createCanonicalHashes } from '../data-integrity/hashes.js';
import { createDidResolver } from '../did/resolver.js';
import type { Signer } from '../keys/signer.js';
import { isRecord } from '../lib/assert.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { createTrustRegistry, type TrustRegistry, type TrustRegistryOptions } from '../registry/trust.js';
import { createStatusChecker, type StatusChecker, type StatusCheckerOptions } from '../status/check.js';
import type { LegateContext } from './types.js';

/** Options of `new LegatePlugin(options)`. */
export interface LegatePluginOptions {
  /**
   * Keys the plugin signs with, besides the agent's own: an organization's
   * key from its `KeyStore`, an ephemeral sub-agent. A signer is chosen by
   * the DID of its `kid`.
   */
  signers?: readonly Signer[] | undefined;
  /**
   * Resolves DIDs. Default: the agent's `resolveDid` when the agent has one
   * (with did:key always resolved offline by Legate), else Legate's resolver
   * (did:key offline, did:web over HTTPS).
   */
  resolver?: Resolvable | undefined;
  /**
   * How status lists (revocation, suspension) are obtained and judged: the
   * options of `createStatusChecker` (`fetch`, `local`, `onUnavailable`,
   * bounds…). Default: HTTPS only, fail closed.
   */
  status?: Omit<StatusCheckerOptions, 'resolver' | 'clock' | 'skewSeconds'> | undefined;
  /**
   * Check the status of every credential verified. Default true. When false,
   * trust lists' own status is still checked (a revoked list accredits no
   * one), and `legateCheckCredentialStatus` still answers.
   */
  checkStatus?: boolean | undefined;
  /**
   * The verifier's trust registry (its DID, anchors, how lists load): when
   * set, a root credential's issuer must be accredited for each of its
   * capabilities (`ERR_UNTRUSTED_ISSUER`), and `legateQueryTrustRegistry`
   * answers from it. Without it, issuer trust is not checked.
   */
  trust?: Omit<TrustRegistryOptions, 'resolver' | 'clock' | 'skewSeconds' | 'status'> | undefined;
  /** Default the system clock. */
  clock?: Clock | undefined;
  /** Tolerated clock difference, in seconds. Default 60. */
  skewSeconds?: number | undefined;
}

export interface Runtime {
  resolver: Resolvable;
  clock: Clock;
  /** Options for the library's verifiers: resolver, clock, skew, status and trust checks. */
  verify: VerifyCredentialOptions;
  /** Checks status; built even when verification does not (`checkStatus: false`), for trust lists and `legateCheckCredentialStatus`. */
  status: StatusChecker;
  /** What an unavailable status means. */
  onUnavailable: 'fail' | 'ignore';
  /** Absent without a `trust` option. */
  registry: TrustRegistry | undefined;
}

/** Builds a runtime around `resolver`. @throws TypeError / RangeError for invalid options. */
export function createRuntime(options: LegatePluginOptions, resolver: Resolvable): Runtime {
  const clock = options.clock ?? systemClock;
  const skew = options.skewSeconds === undefined ? {} : { skewSeconds: options.skewSeconds };
  const status = createStatusChecker({ ...options.status, resolver, clock, ...skew });
  const listStatus = (credential: Record<string, unknown>) => status.statusErrors(credential);
  const statusCheck = options.checkStatus === false ? undefined : listStatus;
  // Trust lists' own revocation is checked even when credentials' is not: a revoked list must not accredit anyone.
  const registry = options.trust === undefined ? undefined : createTrustRegistry({ ...options.trust, resolver, clock, ...skew, status: listStatus });
  return {
    resolver,
    clock,
    status,
    onUnavailable: options.status?.onUnavailable ?? 'fail',
    registry,
    verify: {
      resolver,
      clock,
      // The plugin's own memory of canonical hashes, for the credentials it verifies again.
      canonicalHashes: createCanonicalHashes(),
      ...skew,
      ...(statusCheck === undefined ? {} : { status: statusCheck }),
      ...(registry === undefined ? {} : { trust: (issuer, capabilities, { depth }) => registry.trustErrors(issuer, capabilities, { depth }) }),
    },
  };
}

function failure(error: string, message: string): DIDResolutionResult {
  return { didResolutionMetadata: { error, message }, didDocument: null, didDocumentMetadata: {} };
}

/** True when the agent offers `method` (locally or through a remote client). */
export function agentHas(agent: LegateContext['agent'] | undefined, method: string): agent is LegateContext['agent'] {
  return isRecord(agent) && typeof agent.availableMethods === 'function' && agent.availableMethods().includes(method);
}

/**
 * A resolver over the agent's `resolveDid`. did:key is resolved offline by
 * Legate's resolver, which also refuses non-canonical key encodings; every
 * other method goes to the agent. A throw becomes `internalError` data, as
 * Legate's verifiers expect.
 */
export function agentResolver(agent: LegateContext['agent']): Resolvable {
  const didKey = createDidResolver({ fetch: () => Promise.reject(new Error('did:key needs no fetch')) });
  return {
    async resolve(didUrl: string): Promise<DIDResolutionResult> {
      if (didUrl.startsWith('did:key:')) return didKey.resolve(didUrl);
      let result: unknown;
      try {
        result = await agent.resolveDid({ didUrl });
      } catch {
        return failure('internalError', "the agent's resolveDid failed");
      }
      if (!isRecord(result) || !isRecord(result.didResolutionMetadata)) return failure('internalError', "the agent's resolveDid returned no resolution result");
      return result as unknown as DIDResolutionResult;
    },
  };
}

/** What one method call works with: the agent's runtime, the plugin's signers and the calling agent. */
export interface CallScope {
  runtime: Runtime;
  signers: readonly Signer[];
  /** Undefined when a method is called without a Veramo context. */
  agent: LegateContext['agent'] | undefined;
}
