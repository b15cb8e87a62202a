/**
 * @module node/overview/key-age
 *
 * How old an agent's current key is and when the scheduled rotation
 * (`node/key-schedule`, the shared setting `rotation.agentKeys`) will
 * replace it, for the console's agent pages. Only did:web agents are
 * rotated by the schedule; a did:key agent's key is its identity.
 */

import { readSharedConfig } from '../../config/shared.js';
import type { AgentRecord } from '../../store/types.js';
import type { NodeContext } from '../context.js';

export interface KeyAge {
  /** The verification method id of the newest active key; absent when the agent has none (retired). */
  kid?: string;
  /** When that key was made. */
  createdAt?: string;
  /** Its age at the node's clock, in whole days. */
  ageDays?: number;
  /** When the schedule rotates it; absent when the schedule is off or does not apply (did:key, retired). */
  rotationDue?: string;
  /** True when `rotationDue` has passed (the next scheduled run rotates it). */
  overdue: boolean;
}

const DAY_MS = 86_400_000;

/** The agent-key rotation age in seconds (0: off), read once per page. */
export async function agentRotationSeconds(ctx: NodeContext): Promise<number> {
  const shared = await readSharedConfig(ctx.store);
  const value = shared['rotation.agentKeys']?.value;
  return typeof value === 'number' ? value : 0;
}

/** The age and rotation due date of `agent`'s current key. */
export async function keyAgeOf(ctx: NodeContext, agent: AgentRecord, rotationSeconds: number): Promise<KeyAge> {
  const current = (await ctx.store.listKeys(agent.did)).filter((k) => k.status === 'active').at(-1);
  if (current === undefined) return { overdue: false };
  const now = ctx.clock().getTime();
  const made = Date.parse(current.createdAt);
  const rotates = rotationSeconds > 0 && agent.method === 'web' && agent.status === 'active';
  const due = rotates ? made + rotationSeconds * 1000 : undefined;
  return {
    kid: current.kid,
    createdAt: current.createdAt,
    ageDays: Math.max(0, Math.floor((now - made) / DAY_MS)),
    ...(due === undefined ? {} : { rotationDue: new Date(due).toISOString() }),
    overdue: due !== undefined && due <= now,
  };
}
