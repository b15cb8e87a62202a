/**
 * @module audit/log
 *
 * Where an audit operation writes: an explicit {@link AuditLog}, or a node
 * context, which logs to the node's store, with the node's clock, and
 * checkpoints with the organization's newest active key (unlocked only when a
 * checkpoint is due). Also the default checkpoint policy: every 100 entries
 * or 300 seconds, whichever comes first.
 */

import type { NodeContext } from '../node/context.js';
import { organizationSigner } from '../node/signers.js';
import { isRecord } from '../lib/assert.js';
import type { AuditLog, CheckpointPolicy } from './types.js';

/** Default {@link CheckpointPolicy}. */
export const DEFAULT_CHECKPOINT_POLICY: Readonly<{ entries: number; seconds: number }> = Object.freeze({ entries: 100, seconds: 300 });

/** Anything audit operations accept as their target. */
export type AuditTarget = AuditLog | NodeContext;

function isNodeContext(target: AuditTarget): target is NodeContext {
  return 'organization' in target && 'keys' in target;
}

/**
 * The {@link AuditLog} behind a target. A node context becomes its store and
 * clock, checkpointed by the organization's key, with `policy` (default
 * {@link DEFAULT_CHECKPOINT_POLICY}). Pass a context made with `withStore(ctx, tx)`
 * to log inside a transaction you hold.
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
  if (!isNodeContext(target)) {
    if (policy === undefined || target.checkpoints === undefined) return target;
    return { ...target, checkpoints: { ...target.checkpoints, policy } };
  }
  const ctx = target;
  return {
    store: ctx.store,
    clock: ctx.clock,
    checkpoints: { issuer: ctx.organization.did, signer: () => organizationSigner(ctx), policy },
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
