// The node as an AuthZEN 1.0 PDP (#15 item 6): callers authenticate, decisions carry Legate codes,
// budgets hold across callers, retries record nothing twice, batches follow their semantics.
//   bank -> alice (refunds ≤ 60 EUR, 100 EUR/day; close needs approval) -> helper;  rs1, rs2 registered;  mallory not
import { describe, expect, it } from 'vitest';
import { readAudit } from '../../src/audit/read.js';
import type { AuditEntry } from '../../src/audit/types.js';
import { DEFAULT_WORK_LIMITS } from '../../src/lib/work-budget.js';
import { NOW } from '../fixtures.js';
import { actWith } from '../helpers/verifier.js';
import { sweepNode } from '../../src/node/sweep.js';
import { createApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { accessTokenFor, assertion, delegatedHelper, ISSUER, LEDGER, mallory, OWNER, rs1, rs2, rs3, sessionOf, useBank } from './pdp-fixture.js';

const ctx = useBank();
const { clock } = ctx;

type Caller = typeof rs1;
interface Answer {
  decision: boolean;
  context: { decision: string; reasons: { code: string; message: string }[]; attribution: string[]; reason_admin?: { en: string } };
}

const EVALUATION = '/access/v1/evaluation';
const EVALUATIONS = '/access/v1/evaluations';

async function evaluate(caller: Caller, body: unknown, path = EVALUATION) {
  const authorization = `Bearer ${await assertion(caller, clock, path)}`;
  const { oauth } = ctx.bank.node.services;
  return path === EVALUATION ? oauth.evaluate({ authorization, body }) : oauth.evaluateMany({ authorization, body });
}

function request(subject: { id: string; token?: string; session?: string }, action: string, resource: string, amount?: string, context: Record<string, unknown> = {}) {
  const properties = subject.token === undefined ? { session: subject.session } : { token: subject.token };
  return {
    subject: { type: 'agent', id: subject.id, properties },
    action: { name: action },
    resource: { type: 'legate', id: resource },
    context: { ...(amount === undefined ? {} : { amount: { value: amount, currency: 'EUR' } }), ...context },
  };
}

const codes = (a: Answer) => a.context.reasons.map((r) => r.code);

async function evaluations(): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for await (const e of readAudit(ctx.bank.node.store)) if (e.type === 'evaluation') entries.push(e);
  return entries;
}

async function aliceToken() {
  const { token } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
  return { id: ctx.bank.alice.did, token };
}

describe('AuthZEN access evaluation', () => {
  it('allows a refund within the capability, with attribution, and audits it with the caller', async () => {
    const subject = await aliceToken();
    const response = await evaluate(rs1, request(subject, 'call', 'billing:refund', '40.00'));
    expect(response.status).toBe(200);
    expect(response.headers?.['Cache-Control']).toBe('no-store');
    const answer = response.body as Answer;
    expect(answer).toEqual({ decision: true, context: { decision: 'allow', reasons: [], attribution: [ctx.bank.alice.did, OWNER] } });
    const [entry] = await evaluations();
    expect(entry).toMatchObject({ decision: 'allow', action: 'call', resource: 'billing:refund', agent: ctx.bank.alice.did, owner: OWNER, details: { caller: rs1.did, subject: 'access_token' } });
    expect(entry?.credentials).toEqual([ctx.bank.alice.root.id]);
  });

  it('denies with the reason codes: ERR_NOT_AUTHORIZED, ERR_CONSTRAINT_AMOUNT', async () => {
    const subject = await aliceToken();
    const other = (await evaluate(rs1, request(subject, 'delete', 'billing:refund'))).body as Answer;
    expect(other.decision).toBe(false);
    expect(codes(other)).toEqual(['ERR_NOT_AUTHORIZED']);
    expect(other.context.reason_admin?.en).toBeTruthy();
    const tooMuch = (await evaluate(rs1, request(subject, 'call', 'billing:refund', '70.00'))).body as Answer;
    expect(tooMuch.context.decision).toBe('deny');
    expect(codes(tooMuch)).toEqual(['ERR_CONSTRAINT_AMOUNT']);
  });

  it('holds the token to the narrower constraints it was granted, recording nothing for the refusal', async () => {
    // The credential allows 60 EUR a refund; this token was asked for 20 at the exchange.
    const narrow = { maxAmount: { value: 20, currency: 'EUR' }, budget: { value: 100, currency: 'EUR', period: 'P1D' } };
    const { token } = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock, { narrowRefund: narrow });
    const subject = { id: ctx.bank.alice.did, token };
    const refused = (await evaluate(rs1, request(subject, 'call', 'billing:refund', '30.00'))).body as Answer;
    expect(refused.context.decision).toBe('deny');
    expect(codes(refused)).toEqual(['ERR_CONSTRAINT_AMOUNT']);
    expect(((await evaluate(rs1, request(subject, 'call', 'billing:refund', '20.00'))).body as Answer).decision).toBe(true);
    expect((await evaluations()).map((e) => e.decision)).toEqual(['deny', 'allow']);
  });

  it('answers approval_required as decision false with the reason in context', async () => {
    const subject = await aliceToken();
    const answer = (await evaluate(rs1, request(subject, 'close', 'billing:account'))).body as Answer;
    expect(answer.decision).toBe(false);
    expect(answer.context.decision).toBe('approval_required');
    expect(codes(answer)).toEqual(['ERR_APPROVAL_REQUIRED']);
    expect((await evaluations())[0]?.decision).toBe('approval_required');
  });

  it('denies ERR_REVOKED once a parent credential of the chain is revoked', async () => {
    // bank -> alice (root, revoked) -> helper (the token's client)
    const { helper, credentials } = await delegatedHelper(ctx.bank);
    const { token } = await accessTokenFor(ctx.bank, helper, credentials, clock, { priorActors: [ctx.bank.alice.did] });
    const subject = { id: helper.did, token };
    expect(((await evaluate(rs1, request(subject, 'call', 'billing:refund', '10.00'))).body as Answer).context.attribution).toEqual([helper.did, ctx.bank.alice.did, OWNER]);
    await ctx.bank.node.services.statusLists.change(ctx.bank.alice.root.id, 'revoke');
    const answer = (await evaluate(rs1, request(subject, 'call', 'billing:refund', '10.00'))).body as Answer;
    expect(answer.decision).toBe(false);
    expect(codes(answer)).toContain('ERR_REVOKED');
  });

  it('denies a token that does not verify, or names another agent, with its code', async () => {
    const subject = await aliceToken();
    const expiredAt = new Date(ctx.now.getTime() + 10 * 60_000);
    const other = (await evaluate(rs1, request({ id: rs2.did, token: subject.token }, 'call', 'billing:refund', '1.00'))).body as Answer;
    expect(codes(other)).toEqual(['ERR_TOKEN_INVALID']);
    ctx.now = expiredAt;
    const expired = (await evaluate(rs1, request(subject, 'call', 'billing:refund', '1.00'))).body as Answer;
    expect(expired.decision).toBe(false);
    expect(codes(expired)).toEqual(['ERR_EXPIRED']);
  });

  it("denies ERR_AUDIENCE on another resource's token: rs3 serves LEDGER, alice's token is for RESOURCE; nothing is counted", async () => {
    const subject = await aliceToken();
    const answer = (await evaluate(rs3, request(subject, 'call', 'billing:refund', '60.00'))).body as Answer;
    expect(answer).toMatchObject({ decision: false, context: { decision: 'deny', attribution: [ctx.bank.alice.did] } });
    expect(codes(answer)).toEqual(['ERR_AUDIENCE']);
    const many = (await evaluate(rs3, { evaluations: [request(subject, 'call', 'billing:refund', '10.00')] }, EVALUATIONS)).body as { evaluations: Answer[] };
    expect(many.evaluations.map(codes)).toEqual([['ERR_AUDIENCE']]);
    expect((await evaluations()).map((e) => [e.decision, e.reasons, e.details?.caller])).toEqual([
      ['deny', ['ERR_AUDIENCE'], rs3.did],
      ['deny', ['ERR_AUDIENCE'], rs3.did],
    ]);
    // Nothing was charged: rs1 still gets the whole day's 100 EUR (60 + 40).
    expect(((await evaluate(rs1, request(subject, 'call', 'billing:refund', '60.00'))).body as Answer).decision).toBe(true);
    expect(((await evaluate(rs1, request(subject, 'call', 'billing:refund', '40.00'))).body as Answer).decision).toBe(true);
    // rs3 decides on its own resource's tokens; a session (for teller, not rs3's) is another audience too.
    const ledger = await accessTokenFor(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock, { audience: LEDGER });
    expect(codes((await evaluate(rs3, request({ id: ctx.bank.alice.did, token: ledger.token }, 'call', 'billing:refund', '1.00'))).body as Answer)).toEqual(['ERR_BUDGET_EXCEEDED']);
    const session = await sessionOf(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    expect(codes((await evaluate(rs3, request({ id: ctx.bank.alice.did, session: session.token }, 'call', 'billing:refund', '1.00'))).body as Answer)).toEqual(['ERR_AUDIENCE']);
  });

  it('decides a session subject the way POST /actions does', async () => {
    const session = await sessionOf(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    const subject = { id: ctx.bank.alice.did, session: session.token };
    const allowed = (await evaluate(rs1, request(subject, 'call', 'billing:refund', '60.00'))).body as Answer;
    expect(allowed.context).toMatchObject({ decision: 'allow', attribution: [ctx.bank.alice.did, OWNER] });
    const over = (await evaluate(rs2, request(subject, 'call', 'billing:refund', '60.00'))).body as Answer;
    expect(codes(over)).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect((await evaluations())[0]?.details).toMatchObject({ subject: 'session' });
  });

  it('shares one budget with POST /actions: the same engine records both', async () => {
    const session = await sessionOf(ctx.bank, ctx.bank.alice.signer, [ctx.bank.alice.root.jwt], clock);
    const action = await actWith({ node: ctx.bank.node, teller: ctx.bank.teller }, ctx.bank.alice.signer, session.token, { action: 'call', resource: 'billing:refund', amount: { value: 60, currency: 'EUR' } }, clock);
    expect(action.decision).toBe('allow');
    const subject = await aliceToken();
    expect(codes((await evaluate(rs1, request(subject, 'call', 'billing:refund', '50.00'))).body as Answer)).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect(((await evaluate(rs1, request(subject, 'call', 'billing:refund', '40.00'))).body as Answer).decision).toBe(true);
  });

  it('never exceeds a budget across two resource servers deciding concurrently on one credential', async () => {
    const subject = await aliceToken();
    const callers = [rs1, rs2, rs1, rs2, rs1, rs2];
    const answers = await Promise.all(callers.map(async (c) => (await evaluate(c, request(subject, 'call', 'billing:refund', '40.00'))).body as Answer));
    const allowed = answers.filter((a) => a.decision);
    expect(allowed.length * 40).toBeLessThanOrEqual(100);
    expect(allowed).toHaveLength(2);
    for (const a of answers.filter((x) => !x.decision)) expect(codes(a)).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect((await evaluations()).filter((e) => e.decision === 'allow')).toHaveLength(2);
  });
});

describe('AuthZEN retries', () => {
  it('answers a retry with the same request_id from the stored answer and records nothing twice', async () => {
    const subject = await aliceToken();
    const body = request(subject, 'call', 'billing:refund', '40.00', { request_id: 'r-1' });
    const [first, second] = await Promise.all([evaluate(rs1, body), evaluate(rs1, body)]);
    const third = await evaluate(rs1, body);
    expect(first.body).toEqual(second.body);
    expect(third.body).toEqual(first.body);
    expect((first.body as Answer).decision).toBe(true);
    expect(await evaluations()).toHaveLength(1);
    // Only 40 of the 100 were spent: two more refunds of 30 fit.
    expect(((await evaluate(rs1, request(subject, 'call', 'billing:refund', '30.00'))).body as Answer).decision).toBe(true);
    expect(((await evaluate(rs1, request(subject, 'call', 'billing:refund', '30.00'))).body as Answer).decision).toBe(true);
  });

  it('keys retries per caller: the same request_id from another caller is another request', async () => {
    const subject = await aliceToken();
    const body = request(subject, 'call', 'billing:refund', '40.00', { request_id: 'r-1' });
    await evaluate(rs1, body);
    await evaluate(rs2, body);
    expect(await evaluations()).toHaveLength(2);
  });

  it('refuses the same request_id with a different request: 409 ERR_CONFLICT, nothing recorded', async () => {
    const subject = await aliceToken();
    await evaluate(rs1, request(subject, 'call', 'billing:refund', '40.00', { request_id: 'r-2' }));
    const response = await evaluate(rs1, request(subject, 'call', 'billing:refund', '50.00', { request_id: 'r-2' }));
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'ERR_CONFLICT' });
    expect(await evaluations()).toHaveLength(1);
  });
});

describe('AuthZEN answers kept for retries', () => {
  it('forgets an answer after a day: the sweep deletes it and the id is free again', async () => {
    const subject = await aliceToken();
    const body = request(subject, 'call', 'billing:refund', '10.00', { request_id: 'r-3' });
    await evaluate(rs1, body);
    const key = `authzen:${rs1.did}:r-3`;
    expect(await ctx.bank.node.store.getAnswer(key, clock().toISOString())).toBeDefined();
    ctx.now = new Date(NOW.getTime() + 86_400_000 + 1);
    await sweepNode(ctx.bank.node);
    expect(await ctx.bank.node.store.getAnswer(key, new Date(0).toISOString())).toBeUndefined();
  });
});

describe('AuthZEN over HTTP', () => {
  it('serves POST /access/v1/evaluation(s) with the assertion in Authorization, echoes X-Request-ID and counts decisions', async () => {
    const subject = await aliceToken();
    const metrics = new Metrics();
    const app = createApp({ node: ctx.bank.node, metrics });
    const post = async (path: string, body: unknown, caller: Caller = rs1) =>
      app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await assertion(caller, clock, path)}`, 'x-request-id': 'gw-7' },
        body: JSON.stringify(body),
      });
    const allowed = await post(EVALUATION, request(subject, 'call', 'billing:refund', '10.00'));
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('x-request-id')).toBe('gw-7');
    expect(await allowed.json()).toMatchObject({ decision: true });
    const many = await post(EVALUATIONS, { subject: request(subject, 'x', 'y').subject, evaluations: [{ action: { name: 'delete' }, resource: { type: 'legate', id: 'billing:refund' } }] });
    expect(await many.json()).toMatchObject({ evaluations: [{ decision: false }] });
    const stranger = await post(EVALUATION, request(subject, 'call', 'billing:refund', '10.00'), mallory);
    expect(stranger.status).toBe(401);
    expect(stranger.headers.get('www-authenticate')).toContain('invalid_client');
    const notJson = await app.request(EVALUATION, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await assertion(rs1, clock, EVALUATION)}` }, body: '{' });
    expect(notJson.status).toBe(400);
    const text = await metrics.render();
    expect(text).toContain('legate_authzen_decisions_total{decision="allow",code=""} 1');
    expect(text).toContain('legate_authzen_decisions_total{decision="deny",code="ERR_NOT_AUTHORIZED"} 1');
    expect(text).toContain('legate_authzen_decisions_total{decision="refused",code="ERR_INVALID_CLIENT"} 1');
  });
});

describe('AuthZEN callers', () => {
  it('refuses a caller without an assertion, or not registered, with 401 invalid_client and WWW-Authenticate', async () => {
    const body = request(await aliceToken(), 'call', 'billing:refund', '1.00');
    const none = await ctx.bank.node.services.oauth.evaluate({ authorization: undefined, body });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: 'invalid_client', code: 'ERR_INVALID_CLIENT' });
    expect(none.headers?.['WWW-Authenticate']).toMatch(/^Bearer .*error="invalid_client"/);
    const stranger = await evaluate(mallory, body);
    expect(stranger.status).toBe(401);
    expect(stranger.body).toMatchObject({ code: 'ERR_INVALID_CLIENT' });
    // Only the refusals are logged (rate-limited); nothing was decided.
    const logged = await evaluations();
    expect(logged.map((e) => [e.decision, e.reasons])).toEqual([
      ['deny', ['ERR_INVALID_CLIENT']],
      ['deny', ['ERR_INVALID_CLIENT']],
    ]);
    expect(logged[1]?.agent).toBe(mallory.did);
  });

  it('answers 400 for a malformed request from an authenticated caller', async () => {
    const response = await evaluate(rs1, { subject: { type: 'agent', id: 'x', properties: {} }, action: { name: 'call' }, resource: { type: 'legate', id: 'r' } });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_request', code: 'ERR_MALFORMED' });
  });
});

describe('AuthZEN batches', () => {
  async function batch(semantic: string | undefined, items: [string, string, string?][]) {
    const subject = await aliceToken();
    const base = request(subject, 'call', 'billing:refund');
    return evaluate(
      rs1,
      {
        subject: base.subject,
        resource: base.resource,
        ...(semantic === undefined ? {} : { options: { evaluations_semantic: semantic } }),
        evaluations: items.map(([action, resource, amount]) => ({
          action: { name: action },
          resource: { type: 'legate', id: resource },
          ...(amount === undefined ? {} : { context: { amount: { value: amount, currency: 'EUR' } } }),
        })),
      },
      EVALUATIONS,
    );
  }
  const decisions = (r: { body: unknown }) => (r.body as { evaluations: Answer[] }).evaluations.map((a) => a.context.decision);

  it('execute_all (the default) answers every evaluation in order, defaults applied', async () => {
    const r = await batch(undefined, [['call', 'billing:refund', '10.00'], ['delete', 'billing:refund'], ['close', 'billing:account']]);
    expect(r.status).toBe(200);
    expect(decisions(r)).toEqual(['allow', 'deny', 'approval_required']);
  });

  it('deny_on_first_deny stops after the first denial; permit_on_first_permit after the first permit', async () => {
    const items: [string, string, string?][] = [['call', 'billing:refund', '10.00'], ['delete', 'billing:refund'], ['call', 'billing:refund', '10.00']];
    expect(decisions(await batch('deny_on_first_deny', items))).toEqual(['allow', 'deny']);
    expect(decisions(await batch('permit_on_first_permit', [['delete', 'billing:refund'], ...items]))).toEqual(['deny', 'allow']);
  });

  it('refuses an unknown semantic and more than 64 evaluations with 400', async () => {
    expect((await batch('first_wins', [['call', 'billing:refund']])).status).toBe(400);
    const big = await batch(undefined, Array.from({ length: 65 }, () => ['call', 'billing:refund'] as [string, string]));
    expect(big.status).toBe(400);
    expect(big.body).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
    expect(await evaluations()).toHaveLength(0);
  });

  it('bounds the whole batch by one work budget: items past workLimits.signatures are denied ERR_WORK_LIMIT', async () => {
    // helper's chain is two credentials (two signatures an item): 64 signatures decide 32 items, not 64.
    const { helper, credentials } = await delegatedHelper(ctx.bank);
    const { token } = await accessTokenFor(ctx.bank, helper, credentials, clock, { priorActors: [ctx.bank.alice.did] });
    const base = request({ id: helper.did, token }, 'call', 'billing:refund', '1.00');
    const r = await evaluate(rs1, { ...base, evaluations: Array.from({ length: 40 }, () => ({})) }, EVALUATIONS);
    expect(r.status).toBe(200);
    const answers = (r.body as { evaluations: Answer[] }).evaluations;
    const decided = DEFAULT_WORK_LIMITS.signatures / 2;
    expect(answers.slice(0, decided).every((a) => a.decision)).toBe(true);
    expect(answers.slice(decided).map(codes)).toEqual(Array.from({ length: 40 - decided }, () => ['ERR_WORK_LIMIT']));
    expect(answers[decided]?.context.attribution).toEqual([helper.did, ctx.bank.alice.did, OWNER]);
    expect((await evaluations()).filter((e) => e.reasons?.includes('ERR_WORK_LIMIT'))).toHaveLength(40 - decided);
    // Nothing was charged for the refused items (32 EUR of 100 spent: 60 more fit, 69 do not); a new request has a work budget of its own.
    expect(codes((await evaluate(rs1, request({ id: helper.did, token }, 'call', 'billing:refund', '60.00'))).body as Answer)).toEqual([]);
    expect(codes((await evaluate(rs1, request({ id: helper.did, token }, 'call', 'billing:refund', '9.00'))).body as Answer)).toEqual(['ERR_BUDGET_EXCEEDED']);
  });

  it('decides a full batch of single-credential chains within the same budget', async () => {
    const base = request(await aliceToken(), 'close', 'billing:account');
    const r = await evaluate(rs1, { ...base, evaluations: Array.from({ length: 64 }, () => ({})) }, EVALUATIONS);
    expect(new Set(decisions(r))).toEqual(new Set(['approval_required']));
    expect(decisions(r)).toHaveLength(64);
  });

  it('publishes its configuration', async () => {
    expect(await ctx.bank.node.services.oauth.authzenConfiguration()).toEqual({
      policy_decision_point: ISSUER,
      access_evaluation_endpoint: `${ISSUER}/access/v1/evaluation`,
      access_evaluations_endpoint: `${ISSUER}/access/v1/evaluations`,
    });
  });
});
