/**
 * @module node/key-schedule
 *
 * The scheduled rotation policy `legate serve` applies: the shared settings
 * `rotation.organizationKey` and `rotation.agentKeys` (durations, 0 = off,
 * the default) say how old a current key may grow before it is rotated
 * (`node/key-rotate`); every run then retires the rotated-out keys nothing
 * live needs any more (`node/key-retire`). The settings are read at every
 * run, so `legate config set` applies without a restart.
 *
 * In a fleet exactly one instance does it: each run first takes the store's
 * `key-rotation` lease (as the status-list re-signing job takes its own).
 */

import { startLeasedSchedule } from '../lib/leased-schedule.js';
import { randomUUID } from 'node:crypto';
import { readSharedConfig } from '../config/shared.js';
import type { NodeContext } from './context.js';
import { retireKeys, type RetiredKey } from './key-retire.js';
import { rotateAgentKey, rotateOrganizationKey, type KeyRotation } from './key-rotate.js';

/** The lease the job takes in the store. */
export const KEY_ROTATION_LEASE = 'key-rotation';
/** How often `serve` runs the job: keys are rotated at most this late. */
export const DEFAULT_KEY_ROTATION_INTERVAL_MS = 15 * 60_000;

export interface KeyRotationRun {
  /** False when another instance holds the lease: this run did nothing. */
  ran: boolean;
  rotated: KeyRotation[];
  retired: RetiredKey[];
}

/** Whether the newest active key of `controller` is at least `ageSeconds` old at `now`. */
async function due(ctx: NodeContext, controller: string, ageSeconds: number, now: Date): Promise<boolean> {
  if (ageSeconds <= 0) return false;
  const current = (await ctx.store.listKeys(controller)).filter((k) => k.status === 'active').at(-1);
  return current !== undefined && Date.parse(current.createdAt) + ageSeconds * 1000 <= now.getTime();
}

/**
 * Runs the policy once: takes the lease, rotates the keys past their age,
 * then retires what is due.
 *
 * @example
 * ```ts
 * const { rotated, retired } = await runKeyRotation(node);
 * ```
 */
export async function runKeyRotation(ctx: NodeContext, options: { holder?: string; leaseMs?: number } = {}): Promise<KeyRotationRun> {
  const now = ctx.clock();
  const until = new Date(now.getTime() + (options.leaseMs ?? 60_000));
  if (!(await ctx.store.acquireLease(KEY_ROTATION_LEASE, options.holder ?? randomUUID(), until.toISOString(), now.toISOString()))) {
    return { ran: false, rotated: [], retired: [] };
  }
  const shared = await readSharedConfig(ctx.store);
  const orgAge = shared['rotation.organizationKey']?.value as number;
  const agentAge = shared['rotation.agentKeys']?.value as number;
  const rotated: KeyRotation[] = [];
  if (await due(ctx, ctx.organization.did, orgAge, now)) rotated.push(await rotateOrganizationKey(ctx));
  if (agentAge > 0) {
    for (const agent of await ctx.store.listAgents()) {
      if (agent.method !== 'web' || agent.status !== 'active') continue;
      if (await due(ctx, agent.did, agentAge, now)) rotated.push(await rotateAgentKey(ctx, agent.name));
    }
  }
  return { ran: true, rotated, retired: await retireKeys(ctx) };
}

/** A running schedule of the job. */
export interface KeyRotationSchedule {
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Runs {@link runKeyRotation} now and then every `intervalMs` as one holder
 * (keeping the lease for two intervals). A run's error goes to `onError`
 * (default: a process warning) and the schedule goes on.
 */
export function startKeyRotation(
  ctx: NodeContext,
  options: { intervalMs?: number | undefined; onError?: ((error: unknown) => void) | undefined } = {},
): KeyRotationSchedule {
  return startLeasedSchedule('key rotation', options.intervalMs ?? DEFAULT_KEY_ROTATION_INTERVAL_MS, (lease) => runKeyRotation(ctx, lease), options.onError);
}
