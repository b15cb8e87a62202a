/**
 * @module status
 *
 * Revocation and suspension with W3C Bitstring Status List v1.0: the
 * bitstring codec, status list credentials (issued and verified as
 * `vc+jwt`), `credentialStatus` entries, and a caching, bounded, fail-closed
 * status checker for use inside credential verification.
 */

export {
  createList,
  decodeList,
  DEFAULT_MAX_COMPRESSED_BYTES,
  DEFAULT_MAX_INFLATED_BYTES,
  encodeList,
  getBit,
  MIN_LIST_BITS,
  randomListIndex,
  setBit,
  type DecodeListLimits,
} from './bitstring.js';
export {
  buildStatusListCredential,
  DEFAULT_STATUS_TTL_MS,
  issueStatusListCredential,
  MAX_STATUS_TTL_MS,
  readStatusList,
  verifyStatusListCredential,
  type IssueStatusListOptions,
  type StatusList,
  type StatusListCredentialInput,
} from './list-credential.js';
export {
  MAX_STATUS_ENTRIES,
  MAX_STATUS_URL_LENGTH,
  readStatusEntries,
  statusEntry,
  type StatusEntries,
  type StatusEntryRef,
} from './entry.js';
export {
  createStatusChecker,
  type StatusChecker,
  type StatusCheckerOptions,
  type StatusLookupOptions,
  type StatusOutcome,
  type StatusResult,
} from './check.js';
export { DEFAULT_MAX_STATUS_AGE_SECONDS, maxStatusAgeOf, statusAgeMs, type StatusAgeRule } from './max-age.js';
export {
  needsResigning,
  resignDue,
  STATUS_LIST_SIZE,
  STATUS_LIST_TTL_MS,
  STATUS_LIST_VALIDITY,
} from './policy.js';
export * from './types.js';
