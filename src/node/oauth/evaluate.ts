/**
 * @module node/oauth/evaluate
 *
 * The node as an OpenID AuthZEN 1.0 policy decision point (#15 item 6):
 * `POST /access/v1/evaluation`, `POST /access/v1/evaluations` (batches,
 * §7.1) and `/.well-known/authzen-configuration`. This is how gateways,
 * non-Node services and the resource-server verifier settle what needs
 * shared counts: budgets and rate limits.
 *
 * The caller authenticates with `private_key_jwt` in `Authorization:
 * Bearer` (node/oauth/client-auth; 401 otherwise). The subject carries an
 * access token or a session token this node issued (node/oauth/
 * evaluate-subject), for an audience the caller serves (`oauth.clients`;
 * another's token is denied with `ERR_AUDIENCE` and nothing more); the decision runs through node/decide, the very engine
 * behind `POST /actions`, so usage is read, recorded and logged in one
 * transaction and a budget is never exceeded across every caller sharing
 * the node. AuthZEN's `decision` is a boolean: `approval_required` answers
 * `false` with `context.decision` saying so; `context.reasons` carry the
 * Legate codes. No approval can be attached here: an action that needs one
 * goes through `POST /actions` with the approval.
 *
 * Retries are idempotent per (caller, `context.request_id`): the answer is
 * stored in the same transaction as the usage, so a retry (on any instance
 * sharing the store) returns it and records nothing; the same id with a
 * different request is 409 `ERR_CONFLICT`. Answers are kept for a day.
 *
 * A batch is one message: its items' chain verifications share one work
 * budget (`workLimits.*`, lib/work-budget), not one each, so a batch costs
 * at most what one request may. An item past it is denied `ERR_WORK_LIMIT`
 * and charged nothing.
 */

import type { Charge } from '../../capability/authorize-chain.js';
import { authorize, type AuthorizationRequest, type Decision, type DecisionReason } from '../../capability/authorize.js';
import { capabilityCovers } from '../../capability/match.js';
import type { Constraints } from '../../credential/types.js';
import type { VerifyCredentialOptions } from '../../credential/verify-jwt.js';
import { isLegateError, LegateError, legateError } from '../../errors/index.js';
import { forPeer } from '../../lib/peer-error.js';
import { audit, auditRefusal } from '../audit.js';
import { transactionView, type NodeContext } from '../context.js';
import { decideAndRecord, liveChains, reasonOf } from '../decide.js';
import { verificationOptions } from '../verify.js';
import { authenticateClient, bearerAssertion, claimedClient, endpointUrl, invalidClient, issuerUrl, type AuthenticatedClient } from './client-auth.js';
import { bodyOf, parseBatch, parseEvaluation, type ParsedEvaluation } from './evaluate-request.js';
import { accessTokenSubject, sessionSubject, type VerifiedSubject } from './evaluate-subject.js';
import type { EndpointResponse, EvaluationRequest } from './types.js';

export const EVALUATION_PATH = '/access/v1/evaluation';
export const EVALUATIONS_PATH = '/access/v1/evaluations';
/** How long an answer is kept for retries. */
export const ANSWER_LIFETIME_MS = 86_400_000;

/** One AuthZEN answer (§6.2), with Legate's reasons and attribution in `context`. */
export interface EvaluationAnswer {
  decision: boolean;
  context: {
    decision: Decision['decision'];
    reasons: DecisionReason[];
    /** Who acted, for whom: the current actor, earlier actors, the owner. */
    attribution: string[];
    reason_admin?: { en: string };
  };
}

const NO_STORE = { 'Cache-Control': 'no-store' };
const NO_APPROVAL = { approved: false, reasons: [] };
/** Thrown inside the decision's transaction when a concurrent request stored its answer first: rolls the usage back. */
const raced = () => legateError('ERR_CONFLICT', 'a concurrent request with this request_id was answered first', { reason: 'raced' });
const isRaced = (error: unknown) => isLegateError(error, 'ERR_CONFLICT') && error.reason === 'raced';

function answerOf(d: Pick<Decision, 'decision' | 'reasons'>, attribution: string[]): EvaluationAnswer {
  const reasons = d.reasons.map(({ code, message }) => ({ code, message }));
  return {
    decision: d.decision === 'allow',
    context: {
      decision: d.decision,
      reasons,
      attribution,
      ...(reasons.length === 0 ? {} : { reason_admin: { en: reasons.map((r) => r.message).join('; ') } }),
    },
  };
}

/** The status and body of a failed request (never a decision): 400, 409, 500. */
function failure(error: unknown): EndpointResponse {
  if (error instanceof LegateError && ['ERR_MALFORMED', 'ERR_INPUT_TOO_LARGE', 'ERR_INVALID_ARGUMENT'].includes(error.code)) {
    return { status: 400, body: { error: 'invalid_request', error_description: error.message, code: error.code }, headers: NO_STORE };
  }
  if (isLegateError(error, 'ERR_CONFLICT')) return { status: 409, body: { error: 'conflict', error_description: error.message, code: error.code }, headers: NO_STORE };
  return { status: 500, body: { error: 'server_error', error_description: 'the evaluation failed', code: 'ERR_INTERNAL' }, headers: NO_STORE };
}

const keyOf = (caller: string, requestId: string) => `authzen:${caller}:${requestId}`;
const conflict = () => legateError('ERR_CONFLICT', 'this request_id was used for a different request', { claim: 'context.request_id' });

/** The stored answer to this caller's request id, or a conflict when it answered another request. */
async function storedAnswer(node: NodeContext, caller: string, e: ParsedEvaluation): Promise<EvaluationAnswer | undefined> {
  if (e.requestId === undefined) return undefined;
  const stored = await node.store.getAnswer(keyOf(caller, e.requestId), node.clock().toISOString());
  if (stored === undefined) return undefined;
  if (stored.requestHash !== e.hash) throw conflict();
  return JSON.parse(stored.answer) as EvaluationAnswer;
}

/**
 * The verifier identity `audience` constraints are checked against: for a
 * session, the agent of this node it is for (as `POST /actions`); for an
 * access token, its resource URL when the covering capabilities name it in
 * their audience, else the organization DID (the two audiences the token
 * exchange accepts).
 */
function verifierFor(node: NodeContext, subject: VerifiedSubject, request: AuthorizationRequest): string {
  if (subject.kind === 'session') return subject.audience;
  const names = (c: Constraints | undefined) => c?.audience?.includes(subject.audience) === true;
  const covering = subject.capabilities.filter((c) => capabilityCovers(c, request));
  return covering.some((c) => names(c.constraints)) ? subject.audience : node.organization.did;
}

/** Budgets and rate limits are counted against the chain's credentials by the engine; approvals are its to ask for. */
function stateless(c: Constraints | undefined): Constraints {
  const { budget: _budget, rateLimit: _rateLimit, requireApproval: _approval, ...rest } = c ?? {};
  return rest;
}

/**
 * What an access token itself narrows (its details may carry tighter
 * constraints than the credential, asked for at the exchange): the
 * request against the covering details' stateless constraints (amount,
 * time window, audience), a denial when they refuse it. Budgets and rate
 * limits stay the credentials' (a narrower budget in a token is not counted
 * per token). Undefined when they allow it, or when no detail covers it
 * (the engine then says why).
 */
function tokenRefusal(node: NodeContext, subject: VerifiedSubject, request: AuthorizationRequest, verifier: string): Decision | undefined {
  if (subject.kind !== 'access_token') return undefined;
  const covering = subject.capabilities.filter((c) => capabilityCovers(c, request));
  if (covering.length === 0) return undefined;
  const grants = covering.map(({ credential: _credential, credentialConstraints, constraints, ...capability }) => ({
    capabilities: [{ ...capability, constraints: stateless(constraints) }],
    constraints: stateless(credentialConstraints),
  }));
  const decision = authorize(request, grants, { clock: node.clock, verifier });
  return decision.decision === 'deny' ? decision : undefined;
}

interface Logged {
  caller: AuthenticatedClient;
  evaluation: ParsedEvaluation;
  subject: VerifiedSubject | undefined;
  batch?: number;
  /** How the chains are verified: a batch's one options object, so its items share one work budget. */
  verification?: VerifyCredentialOptions;
}

/** Logs an evaluation and stores its answer, through `tx` (in the decision's transaction when there is one). */
async function record(tx: NodeContext, log: Logged, d: Pick<Decision, 'decision' | 'reasons'>, answer: EvaluationAnswer, charged: readonly Charge[]): Promise<void> {
  const { caller, evaluation: e, subject } = log;
  if (e.requestId !== undefined) {
    const stored = { key: keyOf(caller.did, e.requestId), requestHash: e.hash, answer: JSON.stringify(answer), expiresAt: new Date(tx.clock().getTime() + ANSWER_LIFETIME_MS).toISOString() };
    if (!(await tx.store.putAnswer(stored, tx.clock().toISOString()))) throw raced();
  }
  const credentials = charged.length > 0 ? [...new Set(charged.map((c) => c.credentialId))].slice(0, 32) : undefined;
  await audit(tx, {
    type: 'evaluation',
    decision: d.decision,
    action: e.request.action,
    resource: e.request.resource,
    agent: subject?.attribution[0] ?? e.subject.id,
    owner: subject?.attribution.at(-1),
    chain: subject?.attribution,
    session: subject?.id,
    credentials,
    reasons: [...new Set(d.reasons.map((r) => r.code))].slice(0, 32),
    details: {
      caller: caller.did,
      subject: subject?.kind ?? (e.subject.token === undefined ? 'session' : 'access_token'),
      ...(e.requestId === undefined ? {} : { request_id: e.requestId }),
      ...(log.batch === undefined ? {} : { batch: log.batch }),
    },
  });
}

/** Decides one evaluation (or returns its stored answer). @throws LegateError `ERR_CONFLICT`, or the node's own failures. */
async function evaluateOne(node: NodeContext, caller: AuthenticatedClient, e: ParsedEvaluation, batch?: { index: number; verification: VerifyCredentialOptions }): Promise<EvaluationAnswer> {
  const stored = await storedAnswer(node, caller.did, e);
  if (stored !== undefined) return stored;
  try {
    return await decideOne(node, { caller, evaluation: e, subject: undefined, ...(batch === undefined ? {} : { batch: batch.index, verification: batch.verification }) });
  } catch (error) {
    if (!isRaced(error)) throw error;
    // A concurrent request with the same id stored its answer first: ours rolled back; answer with theirs.
    const theirs = await storedAnswer(node, caller.did, e);
    if (theirs === undefined) throw legateError('ERR_INTERNAL', 'a stored answer vanished');
    return theirs;
  }
}

/** A denial decided before the engine (nothing charged): logged, stored, answered with `attribution`. */
async function denied(node: NodeContext, log: Logged, d: Pick<Decision, 'decision' | 'reasons'>, attribution: string[]): Promise<EvaluationAnswer> {
  const answer = answerOf(d, attribution);
  await node.store.transaction((tx) => record(transactionView(node, tx), log, d, answer, []));
  return answer;
}

const deny = (reason: DecisionReason) => ({ decision: 'deny' as const, reasons: [reason] });

async function decideOne(node: NodeContext, log: Logged): Promise<EvaluationAnswer> {
  const e = log.evaluation;
  let subject: VerifiedSubject;
  try {
    subject = e.subject.token === undefined ? await sessionSubject(node, e.subject.id, e.subject.session!) : await accessTokenSubject(node, e.subject.id, e.subject.token);
  } catch (error) {
    if (!(error instanceof LegateError) || ['ERR_STORE', 'ERR_STORE_CORRUPT', 'ERR_INTERNAL'].includes(error.code)) throw error;
    // The subject's token does not verify: a decision (deny), not a failed request.
    return denied(node, log, deny(reasonOf(forPeer(error))), [e.subject.id]);
  }
  const known = { ...log, subject };
  if (!log.caller.audiences.has(subject.audience)) {
    // Another audience's token: denied, and the answer names no more than the request did.
    return denied(node, known, deny({ code: 'ERR_AUDIENCE', message: "the subject's token is for an audience this client does not serve" }), [e.subject.id]);
  }
  const verifier = verifierFor(node, subject, e.request);
  const refused = tokenRefusal(node, subject, e.request, verifier);
  if (refused !== undefined) return denied(node, known, refused, subject.attribution);
  let chains: Awaited<ReturnType<typeof liveChains>>;
  try {
    chains = await liveChains({ capabilities: subject.capabilities, chains: subject.chains, request: e.request }, log.verification ?? verificationOptions(node));
  } catch (error) {
    // The request's (a batch's: all its items') work budget is spent: denied, and so is every later item of the batch.
    if (!isLegateError(error, 'ERR_WORK_LIMIT')) throw error;
    return denied(node, known, deny(reasonOf(error)), subject.attribution);
  }
  let answer: EvaluationAnswer | undefined;
  await decideAndRecord(node, {
    request: e.request,
    ...chains,
    verifier,
    approval: NO_APPROVAL,
    log: async (tx, d, charged) => {
      answer = answerOf(d, subject.attribution);
      await record(tx, known, d, answer, charged);
    },
  });
  return answer!;
}

/** Authenticates the caller of `path`, or answers 401 (audited as a refusal). */
async function caller(node: NodeContext, request: EvaluationRequest, path: string): Promise<AuthenticatedClient | EndpointResponse> {
  const assertion = bearerAssertion(request.authorization);
  try {
    return await authenticateClient(node, assertion, path);
  } catch (error) {
    if (!isLegateError(error, 'ERR_INVALID_CLIENT')) return failure(error);
    await auditRefusal(node, { type: 'evaluation', agent: claimedClient(assertion) }, error);
    return invalidClient(node, error);
  }
}

/**
 * `POST /access/v1/evaluation`: 401 for an unauthenticated caller, 400 for
 * a malformed request, 409 for a reused request id, else 200 with the
 * decision. Never throws.
 */
export async function evaluationEndpoint(node: NodeContext, request: EvaluationRequest): Promise<EndpointResponse> {
  const who = await caller(node, request, EVALUATION_PATH);
  if (!('did' in who)) return who;
  try {
    const answer = await evaluateOne(node, who, parseEvaluation(bodyOf(request.body)));
    return { status: 200, body: answer, headers: NO_STORE };
  } catch (error) {
    return failure(error);
  }
}

/**
 * `POST /access/v1/evaluations` (AuthZEN 1.0 §7.1): each evaluation with the
 * top-level members as defaults, decided in order; `deny_on_first_deny` and
 * `permit_on_first_permit` stop after the first such answer (the response
 * then holds fewer answers than the request). Every item is read and
 * checked for a reused id before any is decided, so a malformed or
 * conflicting batch records nothing. The items share one work budget;
 * those past it are denied `ERR_WORK_LIMIT`. Without `evaluations`, the
 * body is one evaluation, answered as one. Never throws.
 */
export async function evaluationsEndpoint(node: NodeContext, request: EvaluationRequest): Promise<EndpointResponse> {
  const who = await caller(node, request, EVALUATIONS_PATH);
  if (!('did' in who)) return who;
  try {
    const body = bodyOf(request.body);
    const batch = parseBatch(body);
    if (batch === undefined) return { status: 200, body: await evaluateOne(node, who, parseEvaluation(body)), headers: NO_STORE };
    for (const e of batch.evaluations) await storedAnswer(node, who.did, e);
    // One work budget for the whole batch (one message), not one per item.
    const verification = verificationOptions(node);
    const evaluations: EvaluationAnswer[] = [];
    for (const [index, e] of batch.evaluations.entries()) {
      const answer = await evaluateOne(node, who, e, { index, verification });
      evaluations.push(answer);
      if ((batch.semantic === 'deny_on_first_deny' && !answer.decision) || (batch.semantic === 'permit_on_first_permit' && answer.decision)) break;
    }
    return { status: 200, body: { evaluations }, headers: NO_STORE };
  } catch (error) {
    return failure(error);
  }
}

/** `/.well-known/authzen-configuration` (AuthZEN 1.0 §9): where this PDP answers. */
export function authzenConfiguration(node: NodeContext): Record<string, unknown> {
  return {
    policy_decision_point: issuerUrl(node),
    access_evaluation_endpoint: endpointUrl(node, EVALUATION_PATH),
    access_evaluations_endpoint: endpointUrl(node, EVALUATIONS_PATH),
  };
}
