/**
 * @module node/oauth/evaluate-request
 *
 * Reading AuthZEN 1.0 access evaluation requests (§6.1, and §7.1 for
 * batches): `subject` (`type: 'agent'`, `id` = the agent DID, `properties`
 * = `{ token }` an access token or `{ session }` a session token), `action`
 * (`name`), `resource` (`type: 'legate'`, `id` = the Legate resource,
 * `properties.scope`), `context` (`amount`, `request_id`). A batch's
 * top-level members are defaults each evaluation may replace, member by
 * member (§7.1.1). Each request is bounded; a malformed one is
 * `ERR_MALFORMED` (400), the whole batch with it.
 */

import { createHash } from 'node:crypto';
import type { AuthorizationRequest } from '../../capability/authorize.js';
import { legateError } from '../../errors/index.js';
import { isRecord } from '../../lib/assert.js';
import { canonicalJson } from '../../lib/canonical-json.js';
import { MAX_ACCESS_TOKEN_LENGTH } from '../../oauth/types.js';

/** Most evaluations one batch may carry. */
export const MAX_EVALUATIONS = 64;
/** Longest `context.request_id`. */
export const MAX_REQUEST_ID_LENGTH = 128;
/** Longest session token read from a subject (a session carries up to 32 capabilities). */
const MAX_SESSION_LENGTH = 64 * 1024;

/** The batch semantics of AuthZEN 1.0 §7.1.2. */
export const EVALUATIONS_SEMANTICS = ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'] as const;
export type EvaluationsSemantic = (typeof EVALUATIONS_SEMANTICS)[number];

/** One evaluation, read. */
export interface ParsedEvaluation {
  subject: { id: string; token?: string; session?: string };
  request: AuthorizationRequest;
  /** The caller's id for retries; its answer is stored under it. */
  requestId?: string;
  /** SHA-256 (hex) of the evaluation as RFC 8785 canonical JSON: the same id with another request is a conflict. */
  hash: string;
}

/** A batch, read. */
export interface ParsedBatch {
  semantic: EvaluationsSemantic;
  evaluations: ParsedEvaluation[];
}

const malformed = (claim: string, message: string) => legateError('ERR_MALFORMED', message, { claim });

function text(value: unknown, claim: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) throw malformed(claim, `${claim} must be a string of 1 to ${maxLength} characters`);
  return value;
}

function member(record: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = record[name];
  if (!isRecord(value)) throw malformed(name, `${name} must be an object`);
  return value;
}

/** `context.amount`: `{ value: '40.00' | 40, currency: 'EUR' }`, decimal strings read exactly as they are written. */
function amountOf(context: Record<string, unknown>): AuthorizationRequest['amount'] {
  const amount = context.amount;
  if (amount === undefined) return undefined;
  if (!isRecord(amount)) throw malformed('context.amount', 'context.amount must be { value, currency }');
  const { value, currency } = amount;
  const number = typeof value === 'string' && /^\d{1,15}(\.\d{1,6})?$/.test(value) ? Number(value) : typeof value === 'number' ? value : Number.NaN;
  if (!Number.isFinite(number) || number < 0) throw malformed('context.amount.value', 'context.amount.value must be a non-negative decimal');
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) throw malformed('context.amount.currency', 'context.amount.currency must be an ISO 4217 code');
  return { value: number, currency };
}

function subjectOf(subject: Record<string, unknown>): ParsedEvaluation['subject'] {
  if (subject.type !== 'agent') throw malformed('subject.type', "subject.type must be 'agent'");
  const id = text(subject.id, 'subject.id', 2048);
  const properties = member(subject, 'properties');
  const { token, session } = properties;
  if ((token === undefined) === (session === undefined)) throw malformed('subject.properties', 'subject.properties must carry exactly one of token and session');
  return token === undefined
    ? { id, session: text(session, 'subject.properties.session', MAX_SESSION_LENGTH) }
    : { id, token: text(token, 'subject.properties.token', MAX_ACCESS_TOKEN_LENGTH) };
}

/**
 * One evaluation from its four members (a batch item with its defaults
 * applied); `requestId` overrides the context's (a batch item inherits an
 * id numbered by its position).
 * @throws LegateError `ERR_MALFORMED` naming the member at fault.
 */
export function parseEvaluation(value: Record<string, unknown>, requestId?: string): ParsedEvaluation {
  const subject = subjectOf(member(value, 'subject'));
  const action = text(member(value, 'action').name, 'action.name', 64);
  const resource = member(value, 'resource');
  if (resource.type !== 'legate') throw malformed('resource.type', "resource.type must be 'legate'");
  const id = text(resource.id, 'resource.id', 512);
  const properties = resource.properties === undefined ? {} : member(resource, 'properties');
  const scope = properties.scope === undefined ? undefined : text(properties.scope, 'resource.properties.scope', 128);
  const context = value.context === undefined ? {} : member(value, 'context');
  const ownId = context.request_id === undefined ? undefined : text(context.request_id, 'context.request_id', MAX_REQUEST_ID_LENGTH);
  const amount = amountOf(context);
  const canonical = canonicalJson({ subject: value.subject, action: value.action, resource: value.resource, context: value.context ?? {} });
  const rid = requestId ?? ownId;
  return {
    subject,
    request: { action, resource: id, ...(scope === undefined ? {} : { scope }), ...(amount === undefined ? {} : { amount }) },
    ...(rid === undefined ? {} : { requestId: rid }),
    hash: createHash('sha256').update(canonical).digest('hex'),
  };
}

/** The request body as an object, or `ERR_MALFORMED`. */
export function bodyOf(body: unknown): Record<string, unknown> {
  if (!isRecord(body)) throw malformed('body', 'the request body must be a JSON object');
  return body;
}

/**
 * A batch (`/access/v1/evaluations`): each item with the top-level members
 * as defaults; a top-level `context.request_id` gives the item at index i
 * the id `<request_id>#<i>` unless its own context names one. Undefined
 * when `evaluations` is absent or empty: then the body is one evaluation
 * (§7.1, backwards compatible).
 * @throws LegateError `ERR_MALFORMED`, or `ERR_INPUT_TOO_LARGE` beyond {@link MAX_EVALUATIONS}.
 */
export function parseBatch(body: Record<string, unknown>): ParsedBatch | undefined {
  const items = body.evaluations;
  if (items === undefined || (Array.isArray(items) && items.length === 0)) return undefined;
  if (!Array.isArray(items)) throw malformed('evaluations', 'evaluations must be an array');
  if (items.length > MAX_EVALUATIONS) throw legateError('ERR_INPUT_TOO_LARGE', `a batch carries at most ${MAX_EVALUATIONS} evaluations`, { claim: 'evaluations' });
  const options = body.options === undefined ? {} : member(body, 'options');
  const semantic = options.evaluations_semantic ?? 'execute_all';
  if (!EVALUATIONS_SEMANTICS.includes(semantic as EvaluationsSemantic)) {
    throw malformed('options.evaluations_semantic', `options.evaluations_semantic must be one of ${EVALUATIONS_SEMANTICS.join(', ')}`);
  }
  const top = isRecord(body.context) ? body.context : {};
  const batchId = top.request_id === undefined ? undefined : text(top.request_id, 'context.request_id', MAX_REQUEST_ID_LENGTH);
  const evaluations = items.map((item: unknown, i) => {
    if (!isRecord(item)) throw malformed(`evaluations[${i}]`, 'each evaluation must be an object');
    const merged: Record<string, unknown> = {};
    for (const name of ['subject', 'action', 'resource', 'context'] as const) {
      const v = item[name] ?? body[name];
      if (v !== undefined) merged[name] = v;
    }
    const own = isRecord(item.context) && item.context.request_id !== undefined;
    return parseEvaluation(merged, own || batchId === undefined ? undefined : `${batchId}#${i}`);
  });
  return { semantic: semantic as EvaluationsSemantic, evaluations };
}
