/**
 * @module audit
 *
 * The tamper-evident audit log (DESIGN.md, "Audit log"): append-only,
 * hash-chained entries (RFC 8785 canonical JSON, SHA-256, each holding the
 * previous hash) that attribute every decision to the agent, its delegation
 * chain and its human owner; checkpoints signed by the organization's key;
 * verification that names the first changed, removed, inserted, reordered or
 * truncated entry; JSON Lines export; per-agent trails; and the offline
 * bundle (entries, checkpoints, key history) checked with no node.
 *
 * @example
 * ```ts
 * import { appendAudit, verifyAudit } from 'legate/audit';
 * await appendAudit(node, { type: 'revocation', resource: credentialId, agent: aliceDid, owner });
 * const { ok, firstBad } = await verifyAudit({ store: node.store, resolver: node.resolver });
 * ```
 */

export { appendAudit, type AppendedAudit } from './append.js';
export { AUDIT_CHAIN_SETTING, LEGACY_AUDIT_CHAIN, newAuditChainId } from './chain.js';
export {
  checkpointAudit,
  MAX_CHECKPOINT_CHAINS,
  MAX_CHECKPOINT_DIGESTS,
  signAuditCheckpoint,
  type ChainHead,
  verifyAuditCheckpoint,
  type CheckpointClaims,
  type CheckpointResult,
  type CheckpointVerification,
} from './checkpoint.js';
export { checkAuditFields, entryDigest, hashAuditEntry, readAuditEntry } from './entry.js';
export { auditLogId } from './log-id.js';
export { auditLogOf, DEFAULT_CHECKPOINT_POLICY, type AuditTarget } from './log.js';
export { auditTrail, exportAudit, exportAuditLines, involves, readAudit, type AuditQuery } from './read.js';
export { verifyAudit } from './verify.js';
export {
  AUDIT_BUNDLE_FORMAT,
  MAX_AUDIT_BUNDLE_BYTES,
  checkAuditBundle,
  readAuditBundle,
  type AuditBundle,
  type AuditBundleKey,
} from './bundle.js';
export {
  jwkThumbprint,
  KEY_SPAN_SKEW_MS,
  verifyAuditBundle,
  type AuditBundleProblem,
  type AuditBundleVerification,
  type VerifyAuditBundleOptions,
} from './bundle-verify.js';
export { DigestMemo, MAX_MEMO_DIGESTS } from './memo.js';
export * from './types.js';
