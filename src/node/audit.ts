/**
 * @module node/audit
 *
 * Every decision a node makes goes to its audit log: issuance, delegation,
 * status changes, registry changes, agents, handshakes and actions. Inside
 * an operation's transaction the entry commits or rolls back with the
 * decision itself. Refusals of hostile input are logged best-effort: a
 * refused message must never fail differently because its log entry did.
 *
 * Refusals are also rate-limited, so strangers cannot grow the log without
 * bound: per minute (by the node's clock), at most
 * {@link REFUSALS_PER_PEER_PER_MINUTE} lines for one claimed sender and
 * {@link REFUSALS_PER_MINUTE} in all; the rest of that minute's refusals are
 * counted, and one `refusals` line sums them up (count, reason codes, the
 * first senders) once the minute is over. The per-sender limit only keeps
 * one noisy peer from using the whole allowance: a sender is a DID it
 * claims, and fresh `did:key`s cost nothing, so the global limit is what
 * bounds the log, to at most {@link REFUSALS_PER_MINUTE} + 1 lines a minute
 * per node. The counts live in memory, in the node's audit service
 * ({@link createAuditService}), one per node instance.
 */

import type { AuditFields, AuditMemo } from '../audit/types.js';
import { LegateError } from '../errors/index.js';
import type { Clock } from '../lib/clock.js';
import type { Store } from '../store/types.js';
import type { NodeContext } from './context.js';

/** Refusal lines written per minute for one claimed sender. */
export const REFUSALS_PER_PEER_PER_MINUTE = 5;
/** Refusal lines written per minute in all, beyond which refusals are only counted. */
export const REFUSALS_PER_MINUTE = 60;
/** Senders a summary line names, at most. */
const LISTED_PEERS = 16;
/** Characters of a sender's DID a summary keeps (a summary stays well within the 8 KiB of `details`). */
const PEER_CHARS = 200;
const MINUTE_MS = 60_000;

/** One minute's refusals, for one node. */
interface RefusalWindow {
  minute: number;
  written: number;
  /** Lines written per sender; never more entries than {@link REFUSALS_PER_MINUTE}. */
  perPeer: Map<string, number>;
  suppressed: number;
  peers: Set<string>;
  morePeers: boolean;
  reasons: Set<string>;
  types: Set<string>;
}

function freshWindow(minute: number): RefusalWindow {
  return { minute, written: 0, perPeer: new Map(), suppressed: 0, peers: new Set(), morePeers: false, reasons: new Set(), types: new Set() };
}

/** The summary of a window's suppressed refusals, or undefined when there were none. */
function summaryOf(window: RefusalWindow): AuditFields | undefined {
  if (window.suppressed === 0) return undefined;
  return {
    type: 'refusals',
    decision: 'deny',
    reasons: [...window.reasons].slice(0, 32),
    details: {
      count: window.suppressed,
      from: new Date(window.minute * MINUTE_MS).toISOString(),
      to: new Date((window.minute + 1) * MINUTE_MS).toISOString(),
      types: [...window.types],
      peers: [...window.peers],
      ...(window.morePeers ? { morePeers: true } : {}),
    },
  };
}

/** How {@link AuditService.record} appends. */
export interface RecordOptions {
  /** `false`: no check for a due checkpoint after this entry (a batch's entries but its last); default true. */
  checkpoint?: boolean;
}

/** A node's audit log, and the refusal window that bounds what strangers can write into it. */
export interface AuditService {
  /**
   * Logs one decision; through `tx` (a transaction's repositories) to commit or roll back with it. Through `tx`
   * the entry takes no savepoint of its own: an error of this call must end `tx` (let it propagate), never be
   * caught and `tx` committed. `options.checkpoint: false` (through `tx` only): this entry does not check
   * whether a checkpoint is due; a batch recording many entries in one transaction lets its last one check, so
   * one checkpoint covers them all (checkpoints inside one transaction would commit with it anyway).
   */
  record(fields: AuditFields, tx?: Store, options?: RecordOptions): Promise<void>;
  /**
   * Logs a refusal of input from a party this node has not authenticated
   * (a stranger's handshake, an action it could not verify), within the
   * per-minute limits; never throws.
   */
  unauthenticated(fields: AuditFields): Promise<void>;
  /** Logs a refusal of untrusted input, trimming what does not fit, within the per-minute limits; never throws. */
  refusal(fields: Omit<AuditFields, 'decision' | 'reasons'>, error: unknown): Promise<void>;
  /**
   * Writes the summary of refusals counted but not logged in a minute that
   * has ended (or, with `force`, in the current one, as at shutdown).
   */
  flushRefusals(options?: { force?: boolean }): Promise<void>;
  /** The chain this instance appends to now (a fresh one replaces a chain found closed); undefined: the store's own chain. */
  chain(): string | undefined;
  /**
   * With `true`, appends stop writing due checkpoints themselves: a scheduled
   * job does (`node/audit-jobs`, under the `audit-checkpoint` lease); `false`
   * restores them.
   */
  scheduleCheckpoints(scheduled: boolean): void;
  /** What this instance's appends remember (AuditMemo): the checkpoint job passes it on, so it need not read back the entries they wrote. */
  readonly memo?: AuditMemo;
}

/** What the audit service needs: a clock, and a way to append an entry (through a transaction when given). */
export interface AuditServiceDeps {
  clock: Clock;
  append(fields: AuditFields, tx?: Store, options?: RecordOptions): Promise<unknown>;
  /** The instance's chain now; default none (the store's own chain). */
  chain?: () => string | undefined;
  /** Turns inline checkpoints off (a job writes them) or back on; default: nothing to turn. */
  scheduleCheckpoints?: (scheduled: boolean) => void;
  /** The memo `append` keeps (AuditService.memo). */
  memo?: AuditMemo;
}

/** The audit service of one node; its refusal window is its own. */
export function createAuditService(deps: AuditServiceDeps): AuditService {
  const clock = () => deps.clock();
  const append = (fields: AuditFields, tx?: Store, options?: RecordOptions) => deps.append(fields, tx, options);
  let window: RefusalWindow | undefined;

  /** Appends, best-effort: a refusal is returned to its sender whatever the log does. */
  async function appendQuietly(fields: AuditFields): Promise<void> {
    try {
      await append(fields);
    } catch {
      try {
        await append({ type: fields.type, decision: 'deny', ...(fields.reasons === undefined ? {} : { reasons: fields.reasons.slice(0, 32) }) });
      } catch {
        // The store itself failed; the refusal is still returned to the caller.
      }
    }
  }

  async function unauthenticated(fields: AuditFields): Promise<void> {
    const minute = Math.floor(clock().getTime() / MINUTE_MS);
    if (window === undefined || window.minute < minute) {
      const ended = window === undefined ? undefined : summaryOf(window);
      window = freshWindow(minute);
      if (ended !== undefined) await appendQuietly(ended);
    }
    const current = window;
    const peer = fields.agent ?? '(unnamed)';
    const lines = current.perPeer.get(peer) ?? 0;
    if (current.written < REFUSALS_PER_MINUTE && lines < REFUSALS_PER_PEER_PER_MINUTE) {
      current.written++;
      current.perPeer.set(peer, lines + 1);
      await appendQuietly(fields);
      return;
    }
    current.suppressed++;
    current.types.add(fields.type);
    for (const reason of fields.reasons ?? []) if (current.reasons.size < 32) current.reasons.add(reason);
    if (current.peers.size < LISTED_PEERS) current.peers.add(peer.slice(0, PEER_CHARS));
    else if (!current.peers.has(peer.slice(0, PEER_CHARS))) current.morePeers = true;
  }

  return {
    record: async (fields, tx, options) => {
      await append(fields, tx, tx === undefined ? undefined : options);
    },
    unauthenticated,
    chain: () => deps.chain?.(),
    scheduleCheckpoints: (scheduled) => deps.scheduleCheckpoints?.(scheduled),
    ...(deps.memo === undefined ? {} : { memo: deps.memo }),
    refusal: async (fields, error) => {
      const reasons = [error instanceof LegateError ? error.code : 'ERR_INTERNAL'];
      const clip = (text: string | undefined) => (text === undefined ? undefined : text.slice(0, 512));
      await unauthenticated({ ...fields, agent: clip(fields.agent), action: clip(fields.action), resource: clip(fields.resource), decision: 'deny', reasons });
    },
    flushRefusals: async (options = {}) => {
      if (window === undefined) return;
      const minute = Math.floor(clock().getTime() / MINUTE_MS);
      if (window.minute >= minute && options.force !== true) return;
      const summary = summaryOf(window);
      if (window.minute < minute) window = freshWindow(minute);
      else Object.assign(window, { suppressed: 0, peers: new Set(), morePeers: false, reasons: new Set(), types: new Set() });
      if (summary !== undefined) await appendQuietly(summary);
    },
  };
}

/** Logs one decision through `ctx`; inside a transaction, pass its view ({@link inTransaction}) to make the entry part of it. */
export async function audit(ctx: NodeContext, fields: AuditFields, options?: RecordOptions): Promise<void> {
  await ctx.services.audit.record(fields, ctx.store, options);
}

/** {@link AuditService.unauthenticated} of `ctx`'s node. */
export function auditUnauthenticated(ctx: NodeContext, fields: AuditFields): Promise<void> {
  return ctx.services.audit.unauthenticated(fields);
}

/** {@link AuditService.refusal} of `ctx`'s node. */
export function auditRefusal(ctx: NodeContext, fields: Omit<AuditFields, 'decision' | 'reasons'>, error: unknown): Promise<void> {
  return ctx.services.audit.refusal(fields, error);
}

/** {@link AuditService.flushRefusals} of `ctx`'s node. The sweeper calls it every minute. */
export function flushRefusals(ctx: NodeContext, options: { force?: boolean } = {}): Promise<void> {
  return ctx.services.audit.flushRefusals(options);
}
