// The decision of the resource-server verifier: the mapped request against
// the token's capabilities (scopes, maxAmount, timeWindow checked here), and
// budgets settled by the node's AuthZEN PDP (a fake one here), failing
// closed when it cannot be reached.
//   acme (AS + PDP) -> alice (client) -> bank's API (this resource server)
import { describe, expect, it } from 'vitest';
import { didKeyFromPublicKey } from '../../src/did/key.js';
import { decodeBase64url } from '../../src/lib/base64url.js';
import { generateKeyObjects } from '../../src/lib/generate-key.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { createResourceServer, refusalBody } from '../../src/resource-server/index.js';
import type { ResourceServerOptions, RouteTarget, VerifyResult } from '../../src/resource-server/index.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { alice } from '../fixtures.js';
import { accessToken, authorizationServer, clock, detail, fetchFrom, ISSUER, RESOURCE, signedRequest } from './helpers.js';

const routes: ResourceServerOptions['routes'] = {
  'GET /tickets/:id': { action: 'read', resource: 'crm:tickets' },
  'GET /records': { action: 'read', resource: 'crm:customer_records' },
  'GET /records/assigned': { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' },
  'POST /refunds': (request) => ({ action: 'call', resource: 'billing:refund', amount: (request.body as { amount: RouteTarget['amount'] }).amount }),
};

/** A fake PDP at acme: answers with `answer`, remembers what it was asked. */
function fakePdp(answer: (body: Record<string, unknown>) => { status?: number; body: unknown }) {
  const asked: { body: Record<string, unknown>; authorization: string | undefined }[] = [];
  const app = authorizationServer().app;
  app.get('/.well-known/authzen-configuration', (c) =>
    c.json({ policy_decision_point: ISSUER, access_evaluation_endpoint: `${ISSUER}/access/v1/evaluation` }),
  );
  app.post('/access/v1/evaluation', async (c) => {
    const body = await c.req.json<Record<string, unknown>>();
    asked.push({ body, authorization: c.req.header('authorization') });
    const { status, body: reply } = answer(body);
    return c.json(reply as object, (status ?? 200) as 200);
  });
  return { app, asked };
}

function setup(extra: Partial<ResourceServerOptions> = {}, app = authorizationServer().app) {
  const net = fetchFrom({ [ISSUER]: app });
  const rs = createResourceServer({ resource: RESOURCE, issuers: [ISSUER], routes, body: true, clock, fetch: net.fetch, ...extra });
  return { rs, net };
}

function refused(result: VerifyResult) {
  if (result.ok) throw new Error(`expected a refusal`);
  return result;
}

const refund = (amount: number) => ({ method: 'POST', url: `${RESOURCE}/refunds`, body: { amount: { value: amount, currency: 'USD' } } });
/** bank's API as a client of acme's node (a did:key of its own). */
const bank = generateEphemeralSigner();
const pdpClient = { did: bank.did, signer: bank };

describe('resource server: the decision', () => {
  it('refuses a request the token does not cover with insufficient_scope, naming the scope and the metadata', async () => {
    const { rs } = setup();
    const { token, key } = await accessToken();
    const result = refused(await rs.verify(await signedRequest({ token, key, ...refund(10) })));
    expect([result.status, result.error, result.code, result.scope]).toEqual([403, 'insufficient_scope', 'ERR_NOT_AUTHORIZED', 'call:billing:refund']);
    const challenge = result.headers['WWW-Authenticate']!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="call:billing:refund"');
    expect(challenge).toContain('resource_metadata="https://api.bank.example/.well-known/oauth-protected-resource"');
  });

  it('refuses a route the mapping does not cover', async () => {
    const { rs } = setup();
    const { token, key } = await accessToken();
    const result = refused(await rs.verify(await signedRequest({ token, key, url: `${RESOURCE}/admin` })));
    expect([result.status, result.code, result.scope]).toEqual([403, 'ERR_NOT_AUTHORIZED', undefined]);
  });

  it('a scoped capability never satisfies an unscoped request; an unscoped one covers a scoped request', async () => {
    const { rs } = setup();
    const scoped = await accessToken({ details: [detail('read', 'crm:customer_records', { scope: 'assigned_tickets_only' })] });
    const unscopedRequest = refused(await rs.verify(await signedRequest({ ...scoped, url: `${RESOURCE}/records` })));
    expect([unscopedRequest.status, unscopedRequest.code, unscopedRequest.scope]).toEqual([403, 'ERR_NOT_AUTHORIZED', 'read:crm:customer_records']);
    expect((await rs.verify(await signedRequest({ ...scoped, url: `${RESOURCE}/records/assigned` }))).ok).toBe(true);
    const unscoped = await accessToken({ details: [detail('read', 'crm:*')] });
    expect((await rs.verify(await signedRequest({ ...unscoped, url: `${RESOURCE}/records/assigned` }))).ok).toBe(true);
  });

  it('checks maxAmount and the time window here (ERR_CONSTRAINT_AMOUNT, ERR_CONSTRAINT_TIME)', async () => {
    const { rs, net } = setup();
    const limited = await accessToken({ details: [detail('call', 'billing:refund', { constraints: { maxAmount: { value: 50, currency: 'USD' } } })] });
    const over = refused(await rs.verify(await signedRequest({ ...limited, ...refund(80) })));
    expect([over.status, over.error, over.code]).toEqual([403, 'insufficient_scope', 'ERR_CONSTRAINT_AMOUNT']);
    expect((await rs.verify(await signedRequest({ ...limited, ...refund(30) }))).ok).toBe(true);
    // NOW is a Monday, 10:00 UTC: a weekend-only window refuses it; a weekday one allows it.
    const weekend = { days: ['Sat', 'Sun'] as ('Sat' | 'Sun')[], start: '00:00', end: '24:00', timeZone: 'UTC' };
    const offHours = await accessToken({ details: [detail('read', 'crm:tickets', { credentialConstraints: { timeWindow: weekend } })] });
    const closed = refused(await rs.verify(await signedRequest(offHours)));
    expect([closed.status, closed.code]).toEqual([403, 'ERR_CONSTRAINT_TIME']);
    const weekday = await accessToken({ details: [detail('read', 'crm:tickets', { constraints: { timeWindow: { ...weekend, days: ['Mon'] } } })] });
    expect((await rs.verify(await signedRequest(weekday))).ok).toBe(true);
    expect(net.urls.filter((u) => u.includes('authzen') || u.includes('access/v1'))).toEqual([]);
  });

  it('without a PDP, a budgeted capability is refused with its code (the spend is unknown here)', async () => {
    const { rs } = setup();
    const budgeted = await accessToken({ details: [detail('call', 'billing:refund', { constraints: { budget: { value: 100, currency: 'USD', period: 'P1D' } } })] });
    const result = refused(await rs.verify(await signedRequest({ ...budgeted, ...refund(10) })));
    expect([result.status, result.code]).toEqual([403, 'ERR_BUDGET_EXCEEDED']);
  });

  it('fails closed when the PDP a budget needs cannot be reached (503, never allow)', async () => {
    const { rs } = setup({ pdp: { client: pdpClient, endpoint: 'https://pdp.unreachable.example/access/v1/evaluation' } });
    const details = [detail('call', 'billing:refund', { constraints: { budget: { value: 100, currency: 'USD', period: 'P1D' } } })];
    const budgeted = await accessToken({ details });
    const result = refused(await rs.verify(await signedRequest({ ...budgeted, ...refund(10) })));
    expect([result.status, result.error, result.code]).toEqual([503, 'temporarily_unavailable', 'ERR_PEER_UNREACHABLE']);
    // A PDP that answers an error fails closed too.
    const broken = fakePdp(() => ({ status: 500, body: { error: 'server_error' } }));
    const { rs: rs2 } = setup({ pdp: { client: pdpClient } }, broken.app);
    const again = refused(await rs2.verify(await signedRequest({ ...(await accessToken({ details })), ...refund(10) })));
    expect([again.status, again.error]).toEqual([503, 'temporarily_unavailable']);
  });

  it('fails closed on a PDP answer over 64 KiB (503 ERR_PEER_UNREACHABLE, caused by ERR_INPUT_TOO_LARGE)', async () => {
    const huge = fakePdp(() => ({ body: { decision: true, context: { padding: 'x'.repeat(65 * 1024) } } }));
    const { rs } = setup({ pdp: { client: pdpClient } }, huge.app);
    const details = [detail('call', 'billing:refund', { constraints: { budget: { value: 100, currency: 'USD', period: 'P1D' } } })];
    const result = refused(await rs.verify(await signedRequest({ ...(await accessToken({ details })), ...refund(10) })));
    expect([result.status, result.error, result.code]).toEqual([503, 'temporarily_unavailable', 'ERR_PEER_UNREACHABLE']);
    expect((result.cause as { code: string }).code).toBe('ERR_INPUT_TOO_LARGE');
    expect(huge.asked).toHaveLength(1);
  });

  it('says nothing of the upstream failure in a 503: a fixed description, the failure kept in cause for logs', async () => {
    const { rs } = setup({ pdp: { client: pdpClient, endpoint: 'https://pdp.unreachable.example/access/v1/evaluation' } });
    const details = [detail('call', 'billing:refund', { constraints: { budget: { value: 100, currency: 'USD', period: 'P1D' } } })];
    const result = refused(await rs.verify(await signedRequest({ ...(await accessToken({ details })), ...refund(10) })));
    expect([result.status, result.code]).toEqual([503, 'ERR_PEER_UNREACHABLE']);
    expect(result.description).toBe('the authorization server must decide this request and cannot be reached now; try again later');
    expect(JSON.stringify(refusalBody(result))).not.toContain('unreachable.example');
    expect(String((result.cause as Error).message)).toContain('pdp.unreachable.example');
  });

  it('relays the PDP allow, asking with a client assertion, the token, the amount and a request id per request', async () => {
    const pdp = fakePdp(() => ({ body: { decision: true, context: { decision: 'allow', reasons: [] } } }));
    const { rs } = setup({ pdp: { client: pdpClient } }, pdp.app);
    const budget = { budget: { value: 100, currency: 'USD', period: 'P1D' } };
    const budgeted = await accessToken({ details: [detail('call', 'billing:refund', { constraints: budget })] });
    const result = await rs.verify(await signedRequest({ ...budgeted, ...refund(30) }));
    expect(result.ok && result.decidedBy).toBe('pdp');
    await rs.verify(await signedRequest({ ...budgeted, ...refund(20) }));
    expect(pdp.asked).toHaveLength(2);
    const [{ body, authorization }] = pdp.asked as [(typeof pdp.asked)[0]];
    expect(body).toMatchObject({
      subject: { type: 'agent', id: alice.did, properties: { token: budgeted.token } },
      action: { name: 'call' },
      resource: { type: 'legate', id: 'billing:refund' },
      context: { amount: { value: '30', currency: 'USD' } },
    });
    const ids = pdp.asked.map((a) => (a.body.context as { request_id: string }).request_id);
    expect(new Set(ids).size).toBe(2);
    expect(authorization).toMatch(/^Bearer /);
    const assertion = decodeCompactJws(authorization!.slice('Bearer '.length), 8192).payload;
    expect(assertion).toMatchObject({ iss: bank.did, sub: bank.did, aud: ISSUER });
  });

  it('names the evaluation by the DPoP proof: the same proof retried at another instance sends the same request_id', async () => {
    const pdp = fakePdp(() => ({ body: { decision: true } }));
    // Two instances of bank's API, each with its own (default, in-memory) replay cache, behind one load balancer.
    const { rs: one } = setup({ pdp: { client: pdpClient } }, pdp.app);
    const { rs: two } = setup({ pdp: { client: pdpClient } }, pdp.app);
    const details = [detail('call', 'billing:refund', { constraints: { budget: { value: 100, currency: 'USD', period: 'P1D' } } })];
    const budgeted = await accessToken({ details });
    const request = await signedRequest({ ...budgeted, ...refund(10) });
    const retried = request.clone();
    expect((await one.verify(request)).ok).toBe(true);
    expect((await two.verify(retried)).ok).toBe(true);
    expect((await one.verify(await signedRequest({ ...budgeted, ...refund(10) }))).ok).toBe(true);
    const ids = pdp.asked.map((a) => (a.body.context as { request_id: string }).request_id);
    expect(ids).toHaveLength(3);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(ids[0]).toMatch(/^dpop:[A-Za-z0-9_-]{43}$/);
  });

  it('signs its client assertion with a private JWK as well as with a signer', async () => {
    const pdp = fakePdp(() => ({ body: { decision: true } }));
    const jwk = generateKeyObjects({ type: 'ed25519' }).privateKey.export({ format: 'jwk' }) as { x: string; d: string };
    const did = didKeyFromPublicKey(decodeBase64url(jwk.x)!);
    const { rs } = setup({ pdp: { client: { did, privateJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d } } } }, pdp.app);
    const details = [detail('call', 'billing:refund', { constraints: { rateLimit: { count: 5, period: 'PT1M' } } })];
    expect((await rs.verify(await signedRequest({ ...(await accessToken({ details })), ...refund(5) }))).ok).toBe(true);
    const signed = decodeCompactJws(pdp.asked[0]!.authorization!.slice('Bearer '.length), 8192);
    expect(signed.header.kid).toBe(`${did}#${did.slice('did:key:'.length)}`);
    expect(signed.payload).toMatchObject({ iss: did, aud: ISSUER });
  });

  it('relays the PDP deny and approval_required with their codes, and an inactive token as invalid_token', async () => {
    let reply: unknown = { decision: false, context: { decision: 'deny', reasons: [{ code: 'ERR_BUDGET_EXCEEDED', message: 'over budget' }] } };
    const pdp = fakePdp(() => ({ body: reply }));
    const { rs } = setup({ pdp: { client: pdpClient } }, pdp.app);
    const details = [detail('call', 'billing:refund', { constraints: { budget: { value: 100, currency: 'USD', period: 'P1D' }, requireApproval: true } })];
    const ask = async () => refused(await rs.verify(await signedRequest({ ...(await accessToken({ details })), ...refund(30) })));
    const denied = await ask();
    expect([denied.status, denied.error, denied.code, denied.description]).toEqual([403, 'insufficient_scope', 'ERR_BUDGET_EXCEEDED', 'over budget']);
    reply = { decision: false, context: { decision: 'approval_required', reasons: [] } };
    expect((await ask()).code).toBe('ERR_APPROVAL_REQUIRED');
    reply = { decision: false, context: { decision: 'deny', reasons: [{ code: 'ERR_REVOKED', message: 'a credential of the chain is revoked' }] } };
    const revoked = await ask();
    expect([revoked.status, revoked.code]).toEqual([401, 'ERR_REVOKED']);
    // An amount above the budget on its own is refused here, without asking.
    const asked = pdp.asked.length;
    expect((refused(await rs.verify(await signedRequest({ ...(await accessToken({ details })), ...refund(150) })))).code).toBe('ERR_BUDGET_EXCEEDED');
    expect(pdp.asked).toHaveLength(asked);
  });
});
