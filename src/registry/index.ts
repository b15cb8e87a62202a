/**
 * @module registry
 *
 * The federated trust registry: `TrustListCredential`s (issued and verified
 * as `vc+jwt`) in which organizations accredit issuers for capability
 * patterns and recognize each other's lists, a verifier's trust decisions
 * over them from its own anchors (hop limits, capability bounds, cycles,
 * revocation, caching), and the ToIP Trust Registry Query Protocol's two
 * questions.
 *
 * @example
 * ```ts
 * import { createTrustRegistry } from 'legate/registry';
 * const registry = createTrustRegistry({ self: bank.did, anchors, resolver });
 * const errors = await registry.trustErrors(chain.rootIssuer, chain.leaf.credentialSubject.capabilities);
 * ```
 */

export { formatPattern, MAX_PATTERN_LENGTH, parsePattern, patternCovers, patternWithin, type CapabilityPattern } from './pattern.js';
export {
  buildTrustList,
  issueTrustList,
  verifyTrustList,
  type AccreditationInput,
  type IssueTrustListOptions,
  type RecognitionInput,
  type TrustListInput,
  type VerifyTrustListOptions,
} from './trust-list.js';
export { createTrustRegistry, type TrustOptions, type TrustRegistry, type TrustRegistryOptions } from './trust.js';
export { DEFAULT_TRUST_LIST_TTL_MS, MAX_TRUST_LIST_TTL_MS } from './source.js';
export {
  queryAuthorization,
  queryRecognition,
  type AuthorizationAnswer,
  type AuthorizationQuery,
  type RecognitionAnswer,
  type RecognitionQuery,
} from './query.js';
export * from './types.js';
