/**
 * @module node/audit-jobs
 *
 * The audit log's scheduled work (DESIGN.md, "Fleet"), which `legate serve`
 * runs ({@link startAuditJobs}):
 *
 * - *Liveness.* An instance with a chain of its own renews the lease
 *   `audit-chain:<chain>` every {@link AUDIT_LIVENESS_RENEW_MS}, for
 *   {@link AUDIT_LIVENESS_LEASE_MS}: while it holds it, its chain is live.
 * - *Checkpoints.* Exactly one instance of a fleet at a time (the holder of
 *   the `audit-checkpoint` lease) writes the checkpoints, when one is due
 *   under the policy (every 100 entries or 5 minutes), checking every
 *   `auditCheckpointInterval`; appends on an instance running the job no
 *   longer sign checkpoints inline. First it closes each chain whose
 *   instance died: a chain not closed, whose liveness lease has lapsed and
 *   whose last entry is older than a lease, gets a `chain-close` with
 *   `reason: 'lapsed'`. An instance that was only slow finds its chain
 *   closed at its next append and opens a fresh one (`node/create`).
 *   Then it seals the entries the last checkpoint covers (`audit/seal`).
 *
 * A node that runs no schedule (library use, one-shot CLI commands) keeps
 * writing due checkpoints as it appends.
 */

import { randomUUID } from 'node:crypto';
import { AUDIT_CHAIN_SETTING, LEGACY_AUDIT_CHAIN } from '../audit/chain.js';
import { appendAudit } from '../audit/append.js';
import { writeCheckpoint } from '../audit/checkpoint.js';
import { sealCheckpointed } from '../audit/seal.js';
import { readAuditEntry } from '../audit/entry.js';
import type { AuditCheckpoint } from '../audit/types.js';
import { isLegateError, legateError } from '../errors/index.js';
import { nextTurn } from '../lib/next-turn.js';
import type { NodeContext } from './context.js';
import { organizationSigner } from './signers.js';

/**
 * Most checkpoints one run of the job writes: each signs the digests of at
 * most 1,000 new entries (MAX_CHECKPOINT_DIGESTS), so a run every 10 s keeps
 * up with 6,400 entries a second; a larger backlog takes more runs.
 */
export const MAX_CHECKPOINTS_A_RUN = 64;
/** The lease the checkpoint job takes: one writer of checkpoints in a fleet. */
export const AUDIT_CHECKPOINT_LEASE = 'audit-checkpoint';
/** How often an instance renews its chain's liveness lease. */
export const AUDIT_LIVENESS_RENEW_MS = 10_000;
/** How long a liveness lease runs; a chain whose lease lapsed, and whose last entry is older than this, is closed. */
export const AUDIT_LIVENESS_LEASE_MS = 60_000;
/** How often `serve` checks whether a checkpoint is due, by default. */
export const DEFAULT_AUDIT_CHECKPOINT_INTERVAL_MS = 10_000;

/** The liveness lease of a chain. */
export function auditChainLease(chain: string): string {
  return `audit-chain:${chain}`;
}

/**
 * Renews this instance's liveness lease (holder: its chain id) until `now +
 * leaseMs`; false when it has no chain of its own, or another holder has it.
 */
export async function renewAuditLiveness(ctx: NodeContext, options: { leaseMs?: number } = {}): Promise<boolean> {
  const chain = ctx.services.audit.chain();
  if (chain === undefined) return false;
  const now = ctx.clock();
  const until = new Date(now.getTime() + (options.leaseMs ?? AUDIT_LIVENESS_LEASE_MS));
  return ctx.store.acquireLease(auditChainLease(chain), chain, until.toISOString(), now.toISOString());
}

/**
 * Closes every chain an instance opened whose instance is gone: not closed,
 * its liveness lease lapsed (taken here by `holder` until now, so it stays
 * lapsed), its last entry older than `graceMs`. Each close is its own
 * transaction; one that meets a concurrent append (`ERR_CONFLICT`) is left
 * for the next run. Returns the chains closed.
 */
export async function closeLapsedChains(ctx: NodeContext, options: { holder: string; graceMs?: number }): Promise<string[]> {
  const now = ctx.clock();
  const graceMs = options.graceMs ?? AUDIT_LIVENESS_LEASE_MS;
  const own = ctx.services.audit.chain();
  const storeChain = await ctx.store.getSetting(AUDIT_CHAIN_SETTING);
  const closed: string[] = [];
  for (const head of await ctx.store.listAuditChains()) {
    // The store's own chain and `main` belong to no process: they are never closed for lapsing.
    if (head.chain === own || head.chain === storeChain || head.chain === LEGACY_AUDIT_CHAIN) continue;
    if (readAuditEntry(head.entry)?.entry.type === 'chain-close' || now.getTime() - Date.parse(head.at) < graceMs) continue;
    try {
      const done = await ctx.store.transaction(async (tx) => {
        // Taken only when free or lapsed; with `until` = now it stays lapsed, so a revived instance renews it at once.
        if (!(await tx.acquireLease(auditChainLease(head.chain), options.holder, now.toISOString(), now.toISOString()))) return false;
        await appendAudit({ store: tx, clock: ctx.clock, chain: head.chain }, { type: 'chain-close', details: { reason: 'lapsed' } });
        return true;
      });
      if (done) closed.push(head.chain);
    } catch (error) {
      // Closed meanwhile, or an append raced this one: the next run looks again.
      if (!isLegateError(error) || error.code !== 'ERR_CONFLICT') throw error;
    }
  }
  return closed;
}

export interface AuditCheckpointJobResult {
  /** False when another instance holds the `audit-checkpoint` lease: this run did nothing. */
  ran: boolean;
  /** Chains closed because their instance's liveness lease lapsed. */
  closed: string[];
  /** The (last) checkpoint written, when one was due. */
  checkpoint?: AuditCheckpoint;
  /** Entries still without a signed digest after this run (beyond what {@link MAX_CHECKPOINTS_A_RUN} checkpoints sign): the next run goes on. */
  remaining: number;
  /** Entries sealed into blocks behind the last checkpoint (`audit/seal`). */
  sealed: number;
}

/**
 * Runs the checkpoint job once: takes the `audit-checkpoint` lease (as
 * `holder`, for `leaseMs`), closes lapsed chains, then writes a checkpoint
 * if one is due: several, up to `maxCheckpoints` (default
 * {@link MAX_CHECKPOINTS_A_RUN}), when more entries are new than one signs
 * digests for.
 *
 * @throws StoreError `ERR_KEY_UNAVAILABLE` when the organization's key cannot sign;
 *   `ERR_INVALID_ARGUMENT` when `maxCheckpoints` is not a positive integer.
 */
export async function runAuditCheckpointJob(
  ctx: NodeContext,
  options: { holder?: string; leaseMs?: number; graceMs?: number; maxCheckpoints?: number } = {},
): Promise<AuditCheckpointJobResult> {
  const most = options.maxCheckpoints ?? MAX_CHECKPOINTS_A_RUN;
  if (!Number.isSafeInteger(most) || most < 1) throw legateError('ERR_INVALID_ARGUMENT', 'maxCheckpoints must be a positive integer', { claim: 'maxCheckpoints' });
  const holder = options.holder ?? randomUUID();
  const now = ctx.clock();
  const until = new Date(now.getTime() + (options.leaseMs ?? 2 * DEFAULT_AUDIT_CHECKPOINT_INTERVAL_MS));
  if (!(await ctx.store.acquireLease(AUDIT_CHECKPOINT_LEASE, holder, until.toISOString(), now.toISOString()))) return { ran: false, closed: [], sealed: 0, remaining: 0 };
  const closed = await closeLapsedChains(ctx, { holder, ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }) });
  // With what this instance's appends remember, its own entries are signed without being read back.
  const { memo } = ctx.services.audit;
  const log = { store: ctx.store, clock: ctx.clock, checkpoints: { issuer: ctx.organization.did, signer: () => organizationSigner(ctx) }, ...(memo === undefined ? {} : { memo }) };
  const first = await writeCheckpoint(log, true);
  let { checkpoint, remaining } = first;
  // A checkpoint signs the digests of at most 1,000 new entries; with more (a busy fleet), more checkpoints, within a bound a run.
  for (let written = 1; remaining > 0 && written < most; written++) {
    // Each holds the event loop a few ms (a thousand digests and a signature): requests go in between.
    await nextTurn();
    ({ checkpoint, remaining } = await writeCheckpoint(log, true));
  }
  const { created } = first;
  // What the last checkpoint covers, sealed whether or not this run wrote it: a backlog (after an upgrade, a failed run) goes too.
  const sealed = checkpoint === undefined ? 0 : await sealCheckpointed(ctx.store, checkpoint.token);
  return { ran: true, closed, sealed, remaining, ...(created && checkpoint !== undefined ? { checkpoint } : {}) };
}

/** A running schedule of the audit jobs. */
export interface AuditJobSchedule {
  /** Stops the timers, waits for a run in progress, and lets appends checkpoint inline again. */
  stop(): Promise<void>;
}

/**
 * Renews this instance's liveness lease now and every
 * {@link AUDIT_LIVENESS_RENEW_MS}, and, unless `checkpointIntervalMs` is
 * `false`, runs {@link runAuditCheckpointJob} every
 * `checkpointIntervalMs` (default {@link DEFAULT_AUDIT_CHECKPOINT_INTERVAL_MS})
 * as one holder, with appends no longer checkpointing inline. Errors go to
 * `onError` (default: a process warning) and the schedule goes on.
 */
export function startAuditJobs(
  ctx: NodeContext,
  options: { checkpointIntervalMs?: number | false | undefined; onError?: ((error: unknown) => void) | undefined } = {},
): AuditJobSchedule {
  const onError = options.onError ?? ((error: unknown) => process.emitWarning(`audit job failed: ${String(error)}`));
  const intervalMs = options.checkpointIntervalMs ?? DEFAULT_AUDIT_CHECKPOINT_INTERVAL_MS;
  const holder = randomUUID();
  let running: Promise<void> = Promise.resolve();
  const queue = (job: () => Promise<unknown>) => {
    running = running.then(job).then(() => undefined, onError);
  };
  const renew = () => queue(() => renewAuditLiveness(ctx));
  const checkpoint = () => queue(() => (intervalMs === false ? Promise.resolve() : runAuditCheckpointJob(ctx, { holder, leaseMs: 2 * intervalMs })));
  const timers = [setInterval(renew, AUDIT_LIVENESS_RENEW_MS)];
  renew();
  if (intervalMs !== false) {
    // The first run after one interval: a due checkpoint waits that long at most, and a start signs nothing.
    ctx.services.audit.scheduleCheckpoints(true);
    timers.push(setInterval(checkpoint, intervalMs));
  }
  for (const timer of timers) timer.unref();
  return {
    stop: async () => {
      for (const timer of timers) clearInterval(timer);
      await running;
      if (intervalMs !== false) ctx.services.audit.scheduleCheckpoints(false);
    },
  };
}
