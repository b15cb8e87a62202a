/**
 * @module audit/log
 *
 * Where an audit operation writes: an explicit {@link AuditLog}, or an
 * {@link AuditHost} (a node context is one), which logs to its store, with
 * its clock, and checkpoints with the organization's newest active key
 * (unlocked only when a checkpoint is due). Also the default checkpoint
 * policy: every 100 entries or 300 seconds, whichever comes first.
 *
 * The host is a port defined here, which a node satisfies structurally, so
 * `audit/` never imports `node/`.
 */

import type { Clock } from '../lib/clock.js';
import { isRecord } from '../lib/assert.js';
import { newestActiveSigner, type SigningKeys } from '../keys/newest-signer.js';
import type { AuditLog, CheckpointPolicy } from './types.js';

/** Default {@link CheckpointPolicy}. */
export const DEFAULT_CHECKPOINT_POLICY: Readonly<{ entries: number; seconds: number }> = Object.freeze({ entries: 100, seconds: 300 });

/**
 * What audit operations need from a node: where entries go, its clock, the
 * organization that signs checkpoints and the keys it signs with. A
 * `NodeContext` is one.
 */
export interface AuditHost {
  store: AuditLog['store'];
  clock: Clock;
  organization: { did: string };
  keys: SigningKeys;
}

/** Anything audit operations accept as their target. */
export type AuditTarget = AuditLog | AuditHost;

function isHost(target: AuditTarget): target is AuditHost {
  return 'organization' in target && 'keys' in target;
}

/**
 * The {@link AuditLog} behind a target. A host (a node context) becomes its
 * store and clock, checkpointed by the organization's newest active key, with `policy` (default
 * {@link DEFAULT_CHECKPOINT_POLICY}). Pass a transaction view of the node (one
 * whose `store` is the transaction) to log inside a transaction you hold.
 *
 * @throws TypeError when `target` has no store.
 *
 * @example
 * ```ts
 * const log = auditLogOf(node, { entries: 10 });
 * await appendAudit(log, { type: 'agent', agent: did, owner });
 * ```
 */
export function auditLogOf(target: AuditTarget, policy?: CheckpointPolicy): AuditLog {
  if (!isRecord(target) || !isRecord(target.store) || typeof target.store.transaction !== 'function') {
    throw new TypeError('target must be a node context or an audit log with a store');
  }
  if (!isHost(target)) {
    if (policy === undefined || target.checkpoints === undefined) return target;
    return { ...target, checkpoints: { ...target.checkpoints, policy } };
  }
  const { store, clock, organization, keys } = target;
  return {
    store,
    clock,
    checkpoints: { issuer: organization.did, signer: () => newestActiveSigner(keys, organization.did), policy },
  };
}

/** The policy with defaults filled in, checked. */
export function resolvePolicy(policy: CheckpointPolicy | undefined): { entries: number; seconds: number } {
  const entries = policy?.entries ?? DEFAULT_CHECKPOINT_POLICY.entries;
  const seconds = policy?.seconds ?? DEFAULT_CHECKPOINT_POLICY.seconds;
  if (!Number.isSafeInteger(entries) || entries < 1) throw new RangeError('policy.entries must be a positive integer');
  if (typeof seconds !== 'number' || !(seconds > 0)) throw new RangeError('policy.seconds must be a positive number');
  return { entries, seconds };
}
