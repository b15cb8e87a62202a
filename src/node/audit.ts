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
 * per process. The counts live in memory, per store.
 */

import { appendAudit } from '../audit/append.js';
import type { AuditFields } from '../audit/types.js';
import { LegateError } from '../errors/index.js';
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

/** One minute's refusals, for one store. */
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

const windows = new WeakMap<Store, RefusalWindow>();

function freshWindow(minute: number): RefusalWindow {
  return { minute, written: 0, perPeer: new Map(), suppressed: 0, peers: new Set(), morePeers: false, reasons: new Set(), types: new Set() };
}

/** Logs one decision through `ctx` (bind it to a transaction with `withStore` to make it part of one). */
export async function audit(ctx: NodeContext, fields: AuditFields): Promise<void> {
  await appendAudit(ctx, fields);
}

/** Appends, best-effort: a refusal is returned to its sender whatever the log does. */
async function appendQuietly(ctx: NodeContext, fields: AuditFields): Promise<void> {
  try {
    await appendAudit(ctx, fields);
  } catch {
    try {
      await appendAudit(ctx, { type: fields.type, decision: 'deny', ...(fields.reasons === undefined ? {} : { reasons: fields.reasons.slice(0, 32) }) });
    } catch {
      // The store itself failed; the refusal is still returned to the caller.
    }
  }
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

/**
 * Logs a refusal of input from a party this node has not authenticated
 * (a stranger's handshake, an action it could not verify), within the
 * per-minute limits; never throws.
 */
export async function auditUnauthenticated(ctx: NodeContext, fields: AuditFields): Promise<void> {
  const now = ctx.clock().getTime();
  const minute = Math.floor(now / MINUTE_MS);
  let window = windows.get(ctx.store);
  if (window === undefined || window.minute < minute) {
    const ended = window === undefined ? undefined : summaryOf(window);
    window = freshWindow(minute);
    windows.set(ctx.store, window);
    if (ended !== undefined) await appendQuietly(ctx, ended);
  }
  const peer = fields.agent ?? '(unnamed)';
  const lines = window.perPeer.get(peer) ?? 0;
  if (window.written < REFUSALS_PER_MINUTE && lines < REFUSALS_PER_PEER_PER_MINUTE) {
    window.written++;
    window.perPeer.set(peer, lines + 1);
    await appendQuietly(ctx, fields);
    return;
  }
  window.suppressed++;
  window.types.add(fields.type);
  for (const reason of fields.reasons ?? []) if (window.reasons.size < 32) window.reasons.add(reason);
  if (window.peers.size < LISTED_PEERS) window.peers.add(peer.slice(0, PEER_CHARS));
  else if (!window.peers.has(peer.slice(0, PEER_CHARS))) window.morePeers = true;
}

/** Logs a refusal of untrusted input, trimming what does not fit, within the per-minute limits; never throws. */
export async function auditRefusal(ctx: NodeContext, fields: Omit<AuditFields, 'decision' | 'reasons'>, error: unknown): Promise<void> {
  const reasons = [error instanceof LegateError ? error.code : 'ERR_INTERNAL'];
  const clip = (text: string | undefined) => (text === undefined ? undefined : text.slice(0, 512));
  await auditUnauthenticated(ctx, { ...fields, agent: clip(fields.agent), action: clip(fields.action), resource: clip(fields.resource), decision: 'deny', reasons });
}

/**
 * Writes the summary of refusals counted but not logged in a minute that
 * has ended (or, with `force`, in the current one, as at shutdown). The
 * sweeper calls it every minute.
 */
export async function flushRefusals(ctx: NodeContext, options: { force?: boolean } = {}): Promise<void> {
  const window = windows.get(ctx.store);
  if (window === undefined) return;
  const minute = Math.floor(ctx.clock().getTime() / MINUTE_MS);
  if (window.minute >= minute && options.force !== true) return;
  const summary = summaryOf(window);
  if (window.minute < minute) windows.set(ctx.store, freshWindow(minute));
  else Object.assign(window, { suppressed: 0, peers: new Set(), morePeers: false, reasons: new Set(), types: new Set() });
  if (summary !== undefined) await appendQuietly(ctx, summary);
}
