/**
 * @module node/overview/failed-auth
 *
 * Failed authentications per peer over the last hour, for the console's
 * third chart. What the node records of them: a handshake, signed action,
 * token request or evaluation it refused before trusting its sender is
 * logged as a `deny` entry whose `agent` is the DID the sender claimed and
 * whose reason is the error code (node/audit's refusals); past the log's
 * per-minute limits, refusals are only summed up in one `refusals` entry a
 * minute, counted here under {@link SUMMARIZED_PEER}. A failed
 * authentication is such a refusal with one of {@link AUTHENTICATION_FAILURES}.
 * The node does not record the client address of a refusal, so a sender
 * that claims no DID is counted under {@link UNNAMED_PEER}.
 */

import type { ErrorCode } from '../../errors/index.js';
import type { NodeContext } from '../context.js';
import { scanAudit } from './audit-scan.js';

/** Reason codes that mean the sender did not prove who it is. */
export const AUTHENTICATION_FAILURES: readonly ErrorCode[] = [
  'ERR_SIGNATURE_INVALID',
  'ERR_ALG_NOT_ALLOWED',
  'ERR_KID_INVALID',
  'ERR_HOLDER_BINDING',
  'ERR_KEY_BINDING',
  'ERR_DID_UNRESOLVABLE',
  'ERR_DID_DEACTIVATED',
  'ERR_NONCE',
  'ERR_REPLAY',
  'ERR_AUDIENCE',
  'ERR_UNAUTHORIZED',
  'ERR_TOKEN_INVALID',
  'ERR_DPOP_INVALID',
  'ERR_INVALID_CLIENT',
];
export const SUMMARIZED_PEER = '(over the log limit)';
export const UNNAMED_PEER = '(no DID claimed)';
export const MAX_FAILURE_PEERS = 20;
export const MAX_FAILURES_SCANNED = 50_000;
const WINDOW_MS = 3_600_000;
const REFUSED_TYPES = new Set(['handshake', 'action', 'token', 'evaluation', 'introspection']);

export interface PeerFailures {
  peer: string;
  count: number;
}

export interface FailedAuthentications {
  /** The peers with the most failures, most first (at most {@link MAX_FAILURE_PEERS}). */
  peers: PeerFailures[];
  total: number;
  since: string;
  truncated: boolean;
}

const isFailure = (reasons: readonly string[] | undefined) => (reasons ?? []).some((r) => (AUTHENTICATION_FAILURES as readonly string[]).includes(r));

/** The last hour's failed authentications by claimed peer. */
export async function failedAuthentications(ctx: NodeContext): Promise<FailedAuthentications> {
  const since = new Date(ctx.clock().getTime() - WINDOW_MS).toISOString();
  const counts = new Map<string, number>();
  const add = (peer: string, n: number) => counts.set(peer, (counts.get(peer) ?? 0) + n);
  const { truncated } = await scanAudit(ctx, { since, max: MAX_FAILURES_SCANNED }, (entry) => {
    if (entry?.decision !== 'deny' || !isFailure(entry.reasons)) return true;
    if (entry.type === 'refusals') {
      const count = entry.details?.count;
      if (typeof count === 'number' && Number.isSafeInteger(count) && count > 0) add(SUMMARIZED_PEER, count);
    } else if (REFUSED_TYPES.has(entry.type)) add(entry.agent ?? UNNAMED_PEER, 1);
    return true;
  });
  const all = [...counts].map(([peer, count]) => ({ peer, count })).sort((a, b) => b.count - a.count || (a.peer < b.peer ? -1 : 1));
  return { peers: all.slice(0, MAX_FAILURE_PEERS), total: all.reduce((n, p) => n + p.count, 0), since, truncated };
}
