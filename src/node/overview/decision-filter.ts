/**
 * @module node/overview/decision-filter
 *
 * The filters of the console's decision feed, read from a GET query and
 * checked: the agent (a name of this node or a DID), the capability
 * (`action`, and `resource`, exact or ending in `*` for a prefix), the
 * outcome, and a time range (`from`, `to`: ISO 8601, UTC unless a zone is
 * given; default the last 24 hours, at most {@link MAX_RANGE_DAYS} days).
 * Every value is bounded; a bad one is `ERR_INVALID_ARGUMENT` naming it.
 */

import { AUDIT_DECISIONS, type AuditDecision } from '../../audit/types.js';
import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../context.js';

export const MAX_DECISION_PAGE = 200;
export const DEFAULT_DECISION_PAGE = 50;
export const MAX_RANGE_DAYS = 31;
const DEFAULT_RANGE_MS = 86_400_000;
const MAX_FILTER_CHARS = 2048;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

export interface DecisionFilter {
  /** The agent's DID (matched as agent, owner or anywhere in the attribution chain). */
  agent?: string;
  action?: string;
  /** Exact, or a prefix when it ends in `*`. */
  resource?: string;
  decision?: AuditDecision;
  /** ISO 8601 UTC, inclusive. */
  from: string;
  /** ISO 8601 UTC, inclusive; absent: open (the live feed). */
  to?: string;
  limit: number;
}

/** The query's values as given: missing or empty strings mean "no filter". */
export type DecisionQuery = Readonly<Record<string, string | undefined>>;

const invalid = (message: string, claim: string) => legateError('ERR_INVALID_ARGUMENT', message, { claim });

function text(query: DecisionQuery, name: string): string | undefined {
  const value = query[name]?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_FILTER_CHARS) throw invalid(`${name} is longer than ${MAX_FILTER_CHARS} characters`, name);
  return value;
}

function time(query: DecisionQuery, name: string): number | undefined {
  const value = text(query, name);
  if (value === undefined) return undefined;
  const ms = TIME.test(value) ? Date.parse(/[Zz]|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(`${name} must be an ISO 8601 time such as 2026-03-01T10:00Z`, name);
  return ms;
}

/**
 * The checked filter of a query.
 * @throws InputError `ERR_INVALID_ARGUMENT` for a bad value (its name in
 *   `claim`); LegateError `ERR_NOT_FOUND` for an agent name this node does not have.
 */
export async function decisionFilter(ctx: NodeContext, query: DecisionQuery): Promise<DecisionFilter> {
  const filter: DecisionFilter = { from: '', limit: DEFAULT_DECISION_PAGE };
  const agent = text(query, 'agent');
  if (agent !== undefined) {
    if (agent.startsWith('did:') || /^[a-z][a-z0-9+.-]*:/i.test(agent)) filter.agent = agent;
    else {
      const record = await ctx.store.getAgent(agent);
      if (record === undefined) throw legateError('ERR_NOT_FOUND', 'no such agent in this node', { claim: 'agent' });
      filter.agent = record.did;
    }
  }
  const action = text(query, 'action');
  if (action !== undefined) filter.action = action;
  const resource = text(query, 'resource');
  if (resource !== undefined) filter.resource = resource;
  const decision = text(query, 'decision');
  if (decision !== undefined) {
    if (!(AUDIT_DECISIONS as readonly string[]).includes(decision)) throw invalid(`decision must be one of ${AUDIT_DECISIONS.join(', ')}`, 'decision');
    filter.decision = decision as AuditDecision;
  }
  const limit = text(query, 'limit');
  if (limit !== undefined) {
    const n = /^\d{1,4}$/.test(limit) ? Number(limit) : Number.NaN;
    if (!(n >= 1 && n <= MAX_DECISION_PAGE)) throw invalid(`limit must be an integer from 1 to ${MAX_DECISION_PAGE}`, 'limit');
    filter.limit = n;
  }
  const to = time(query, 'to');
  const from = time(query, 'from') ?? (to ?? ctx.clock().getTime()) - DEFAULT_RANGE_MS;
  if (to !== undefined && to < from) throw invalid('from must not be after to', 'from');
  if ((to ?? ctx.clock().getTime()) - from > MAX_RANGE_DAYS * DEFAULT_RANGE_MS) throw invalid(`the time range is longer than ${MAX_RANGE_DAYS} days`, 'from');
  filter.from = new Date(from).toISOString();
  if (to !== undefined) filter.to = new Date(to).toISOString();
  return filter;
}
