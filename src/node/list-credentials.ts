/**
 * @module node/list-credentials
 *
 * The credential inventory (#17 item 2): the credentials this node holds
 * (issued to its agents, delegated by them), oldest first, each described
 * by `node/credential-view`. Filters: the holding agent (a name of this node,
 * or any DID), the computed state, and expiry within a span from now.
 *
 * Bounded: at most {@link MAX_CREDENTIAL_PAGE} credentials per call, and at
 * most {@link MAX_CREDENTIALS_SCANNED} read to fill them (a state filter
 * may skip many), so one call never walks the whole store. When more may
 * follow, the answer holds a `cursor`: pass it back for the next page. A
 * page may come back short, even empty, with a cursor: the scan bound was
 * reached first.
 */

import { legateError } from '../errors/index.js';
import { decodeBase64url, encodeBase64urlString } from '../lib/base64url.js';
import { addDuration, parseDuration } from '../lib/duration.js';
import type { NodeContext } from './context.js';
import { CREDENTIAL_STATES, newViewCache, viewCredential, type CredentialState, type CredentialView } from './credential-view.js';

/** Most credentials one call returns. */
export const MAX_CREDENTIAL_PAGE = 500;
/** Credentials listed when no limit is given. */
export const DEFAULT_CREDENTIAL_PAGE = 100;
/** Most credentials one call reads from the store to fill its page. */
export const MAX_CREDENTIALS_SCANNED = 5000;
/** Longest cursor accepted, in characters. */
const MAX_CURSOR = 1024;

export interface ListCredentialsOptions {
  /** Only credentials held by this agent: its name in this node, or a DID. */
  agent?: string | undefined;
  /** Only credentials in this computed state. */
  status?: CredentialState | undefined;
  /** Only credentials still valid that expire within this many milliseconds from now. */
  expiringWithin?: number | undefined;
  /** At most this many (1 to {@link MAX_CREDENTIAL_PAGE}; default {@link DEFAULT_CREDENTIAL_PAGE}). */
  limit?: number | undefined;
  /** The `cursor` of the page before. */
  cursor?: string | undefined;
}

export interface CredentialPage {
  credentials: CredentialView[];
  /** Present when more credentials may follow: pass it as `cursor` for the next page. */
  cursor?: string;
}

const invalid = (message: string, claim: string) => legateError('ERR_INVALID_ARGUMENT', message, { claim });

function checkLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_CREDENTIAL_PAGE;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_CREDENTIAL_PAGE) {
    throw invalid(`limit must be an integer from 1 to ${MAX_CREDENTIAL_PAGE}`, 'limit');
  }
  return limit;
}

/** The credential id a cursor carries. */
function readCursor(cursor: unknown): string {
  const bytes = typeof cursor === 'string' && cursor.length <= MAX_CURSOR ? decodeBase64url(cursor) : undefined;
  const id = bytes === undefined ? '' : Buffer.from(bytes).toString('utf8');
  if (id === '') throw invalid('cursor is not one this listing gave', 'cursor');
  return id;
}

/**
 * A span such as `7d`, `12h` or `P7D` in milliseconds from `now` (calendar
 * units counted from `now`), for `expiringWithin`.
 * @throws InputError `ERR_INVALID_ARGUMENT` for anything else, or a zero span.
 */
export function expiringWithinMs(text: string, now: Date, claim = 'expiringWithin'): number {
  let ms: number;
  try {
    ms = addDuration(now, parseDuration(text)).getTime() - now.getTime();
  } catch {
    throw invalid(`${claim} must be a duration such as 7d, 12h or P7D`, claim);
  }
  if (!(ms > 0) || !Number.isSafeInteger(ms)) throw invalid(`${claim} must be a duration such as 7d, 12h or P7D`, claim);
  return ms;
}

/** The subject DID `agent` names: a DID as given, or this node's agent of that name. */
async function holderOf(ctx: NodeContext, agent: unknown): Promise<string | undefined> {
  if (agent === undefined) return undefined;
  if (typeof agent !== 'string' || agent.length === 0 || agent.length > 2048) throw invalid('agent must be an agent name or a DID', 'agent');
  if (agent.startsWith('did:')) return agent;
  const record = await ctx.store.getAgent(agent);
  if (record === undefined) throw legateError('ERR_NOT_FOUND', `no agent ${agent.slice(0, 64)}`, { claim: 'agent' });
  return record.did;
}

/**
 * One page of the credential inventory.
 *
 * @throws InputError `ERR_INVALID_ARGUMENT` for a bad filter, limit or
 *   cursor; `ERR_NOT_FOUND` for an agent name this node does not know.
 *
 * @example
 * ```ts
 * let page = await listCredentials(node, { agent: 'alice', status: 'active', limit: 50 });
 * while (page.cursor !== undefined) page = await listCredentials(node, { agent: 'alice', status: 'active', limit: 50, cursor: page.cursor });
 * ```
 */
export async function listCredentials(ctx: NodeContext, options: ListCredentialsOptions = {}): Promise<CredentialPage> {
  const limit = checkLimit(options.limit);
  const { status, expiringWithin } = options;
  if (status !== undefined && !CREDENTIAL_STATES.includes(status)) throw invalid(`status must be one of ${CREDENTIAL_STATES.join(', ')}`, 'status');
  if (expiringWithin !== undefined && (typeof expiringWithin !== 'number' || !Number.isSafeInteger(expiringWithin) || expiringWithin <= 0)) {
    throw invalid('expiringWithin must be a positive number of milliseconds', 'expiringWithin');
  }
  let after = options.cursor === undefined ? undefined : readCursor(options.cursor);
  if (after !== undefined && (await ctx.store.getCredential(after)) === undefined) throw invalid('cursor is not one this listing gave', 'cursor');
  const subject = await holderOf(ctx, options.agent);
  const now = ctx.clock().getTime();
  const cache = newViewCache();
  const credentials: CredentialView[] = [];
  let scanned = 0;
  for (;;) {
    const want = Math.min(MAX_CREDENTIAL_PAGE, MAX_CREDENTIALS_SCANNED - scanned);
    const rows = await ctx.store.pageCredentials({ ...(subject === undefined ? {} : { subject }), ...(after === undefined ? {} : { after }), limit: want });
    for (const [i, row] of rows.entries()) {
      scanned++;
      after = row.id;
      const view = await viewCredential(ctx, row, cache);
      const expires = view.validUntil === undefined ? undefined : Date.parse(view.validUntil);
      const expiring = expiringWithin === undefined || (view.state === 'active' && expires !== undefined && expires <= now + expiringWithin);
      if ((status === undefined || view.state === status) && expiring) credentials.push(view);
      if (credentials.length === limit) {
        const last = i === rows.length - 1 && rows.length < want;
        return { credentials, ...(last ? {} : { cursor: encodeBase64urlString(row.id) }) };
      }
    }
    if (rows.length < want) return { credentials };
    if (scanned >= MAX_CREDENTIALS_SCANNED) return { credentials, cursor: encodeBase64urlString(after!) };
  }
}
