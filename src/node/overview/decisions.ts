/**
 * @module node/overview/decisions
 *
 * The console's decision feed, read from the audit log: allows, denies and
 * approval requests of actions, evaluations, handshakes and token requests,
 * each with its reasons, approver and attribution chain (the agent, each
 * delegator, out to the human owner), and where it sits in the log (chain
 * and `seq`) so the page can link to the entry.
 *
 * {@link listDecisions} gives the newest matches of a time range, newest
 * first; {@link decisionsAfter} what was logged after a cursor, oldest
 * first, for the live feed's polling. Both read at most
 * {@link MAX_DECISIONS_SCANNED} entries a call (`truncated` says when that
 * bound was reached: narrow the range). The cursor is a position in the
 * log's (`at`, chain, `seq`) order; entries from another instance's chain
 * stamped earlier than the cursor by a clock behind are not seen live.
 */

import type { AuditDecision, AuditEntry, AuditEntryType } from '../../audit/types.js';
import { legateError } from '../../errors/index.js';
import { decodeBase64url, encodeBase64urlString } from '../../lib/base64url.js';
import type { AuditEntryRecord } from '../../store/types.js';
import type { NodeContext } from '../context.js';
import type { DecisionFilter } from './decision-filter.js';
import { scanAudit, type AuditPosition } from './audit-scan.js';

/** Most audit entries one call reads. */
export const MAX_DECISIONS_SCANNED = 20_000;
const MAX_CURSOR = 4096;

/** The entry types whose decisions the feed shows. */
export const DECISION_TYPES: readonly AuditEntryType[] = ['action', 'evaluation', 'handshake', 'token'];

/** One decision of the feed. */
export interface DecisionRow {
  chain: string;
  seq: number;
  at: string;
  type: AuditEntryType;
  decision: AuditDecision;
  action?: string;
  resource?: string;
  agent?: string;
  /** The agent's name when it is an agent of this node. */
  agentName?: string;
  owner?: string;
  /** The agent, then each delegator, out to the owner. */
  attribution: string[];
  reasons: string[];
  approver?: string;
}

export interface DecisionPage {
  decisions: DecisionRow[];
  /** Where the next poll starts: after the last entry read. */
  cursor?: string;
  truncated: boolean;
}

type Position = AuditPosition;

export function encodeCursor(position: Position): string {
  return encodeBase64urlString(JSON.stringify([position.at, position.chain, position.seq]));
}

/** @throws InputError `ERR_INVALID_ARGUMENT` (claim `after`) for a cursor this feed did not give. */
export function decodeCursor(cursor: string): Position {
  const bytes = cursor.length <= MAX_CURSOR ? decodeBase64url(cursor) : undefined;
  let value: unknown;
  try {
    value = bytes === undefined ? undefined : JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || value.length !== 3) throw legateError('ERR_INVALID_ARGUMENT', 'after is not a cursor this feed gave', { claim: 'after' });
  const [at, chain, seq] = value as unknown[];
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof chain !== 'string' || !Number.isSafeInteger(seq) || (seq as number) < 1) {
    throw legateError('ERR_INVALID_ARGUMENT', 'after is not a cursor this feed gave', { claim: 'after' });
  }
  return { at, chain, seq: seq as number };
}

function matches(entry: AuditEntry, filter: DecisionFilter): entry is AuditEntry & { decision: AuditDecision } {
  if (entry.decision === undefined || !DECISION_TYPES.includes(entry.type)) return false;
  if (filter.decision !== undefined && entry.decision !== filter.decision) return false;
  if (filter.action !== undefined && entry.action !== filter.action) return false;
  if (filter.resource !== undefined) {
    const r = filter.resource;
    if (r.endsWith('*') ? !(entry.resource ?? '').startsWith(r.slice(0, -1)) : entry.resource !== r) return false;
  }
  if (filter.agent !== undefined) {
    const a = filter.agent;
    if (entry.agent !== a && entry.owner !== a && !(entry.chain ?? []).includes(a)) return false;
  }
  return true;
}

function rowOf(record: AuditEntryRecord, entry: AuditEntry & { decision: AuditDecision }, agentName: string | undefined): DecisionRow {
  const attribution = entry.chain ?? [entry.agent, entry.owner].filter((v): v is string => v !== undefined);
  return {
    chain: record.chain,
    seq: record.seq,
    at: entry.at,
    type: entry.type,
    decision: entry.decision,
    ...(entry.action === undefined ? {} : { action: entry.action }),
    ...(entry.resource === undefined ? {} : { resource: entry.resource }),
    ...(entry.agent === undefined ? {} : { agent: entry.agent }),
    ...(agentName === undefined ? {} : { agentName }),
    ...(entry.owner === undefined ? {} : { owner: entry.owner }),
    attribution,
    reasons: entry.reasons ?? [],
    ...(entry.approver === undefined ? {} : { approver: entry.approver }),
  };
}

/** Hands each match after `start` (or from `filter.from`) to `take`, in log order, until it says stop. */
async function scan(
  ctx: NodeContext,
  filter: DecisionFilter,
  start: Position | undefined,
  take: (row: DecisionRow, position: Position) => boolean,
): Promise<{ last: Position | undefined; truncated: boolean }> {
  const names = new Map<string, string | undefined>();
  return scanAudit(ctx, { since: filter.from, after: start, until: filter.to, max: MAX_DECISIONS_SCANNED }, async (entry, record, position) => {
    if (entry === undefined || !matches(entry, filter)) return true;
    const did = entry.agent;
    if (did !== undefined && !names.has(did)) names.set(did, (await ctx.store.getAgentByDid(did))?.name);
    return take(rowOf(record, entry, did === undefined ? undefined : names.get(did)), position);
  });
}

/**
 * The newest `filter.limit` decisions in the filter's time range, newest first.
 *
 * @example
 * ```ts
 * const { decisions, cursor } = await listDecisions(node, await decisionFilter(node, { decision: 'deny' }));
 * ```
 */
export async function listDecisions(ctx: NodeContext, filter: DecisionFilter): Promise<DecisionPage> {
  const kept: DecisionRow[] = [];
  const { last, truncated } = await scan(ctx, filter, undefined, (row) => {
    kept.push(row);
    if (kept.length > filter.limit) kept.shift();
    return true;
  });
  return { decisions: kept.reverse(), ...(last === undefined ? {} : { cursor: encodeCursor(last) }), truncated };
}

/**
 * The decisions logged after `cursor`, oldest first, at most `filter.limit`;
 * the answer's cursor is where the next poll starts.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a cursor this feed did not give.
 */
export async function decisionsAfter(ctx: NodeContext, filter: DecisionFilter, cursor: string): Promise<DecisionPage> {
  const start = decodeCursor(cursor);
  const decisions: DecisionRow[] = [];
  let stop: Position | undefined;
  const { last, truncated } = await scan(ctx, { ...filter, from: start.at < filter.from ? filter.from : start.at }, start, (row, position) => {
    decisions.push(row);
    if (decisions.length < filter.limit) return true;
    stop = position;
    return false;
  });
  const next = stop ?? last ?? start;
  return { decisions, cursor: encodeCursor(next), truncated };
}
