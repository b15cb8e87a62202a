// Introspection and AuthZEN on tokens from a real token exchange (test/oauth-server/helpers.ts), over HTTP:
//   acme (did:key, accredited by the bank) -> alice -> bob;  rs1, rs2: resource servers registered with the bank
import { beforeAll, describe, expect, it } from 'vitest';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { createClientAssertion } from '../../src/oauth/client-assertion.js';
import { dpopKeyOfSigner, generateDpopKey } from '../../src/oauth/dpop.js';
import { CLIENT_ASSERTION_TYPE_JWT_BEARER } from '../../src/oauth/types.js';
import { exchange, freshNonce, ISSUER, openBank, OWNER, partner, RESOURCE, type Bank, type Partner } from './helpers.js';

const rs1 = generateEphemeralSigner();
const rs2 = generateEphemeralSigner();
let bank: Bank;
let p: Partner;

beforeAll(async () => {
  bank = await openBank({ clients: [`${rs1.did}=${RESOURCE}`, `${rs2.did}=${RESOURCE}`] });
  p = await partner(bank);
});

const assertionFor = (rs: typeof rs1, path: string) => createClientAssertion({ signer: rs, clientId: rs.did, audience: `${ISSUER}${path}`, clock: bank.clock });

async function introspect(token: string) {
  const body = new URLSearchParams({ token, client_assertion_type: CLIENT_ASSERTION_TYPE_JWT_BEARER, client_assertion: await assertionFor(rs1, '/oauth/introspect') });
  const res = await bank.app.request('/oauth/introspect', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function evaluate(rs: typeof rs1, agent: string, token: string, action: string, amount: string) {
  const body = {
    subject: { type: 'agent', id: agent, properties: { token } },
    action: { name: action },
    resource: { type: 'legate', id: 'billing:refund' },
    context: { amount: { value: amount, currency: 'EUR' } },
  };
  const res = await bank.app.request('/access/v1/evaluation', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await assertionFor(rs, '/access/v1/evaluation')}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { decision: boolean; context: { decision: string; reasons: { code: string }[]; attribution: string[] } } };
}

describe('tokens from a real exchange', () => {
  it('introspect as active with the claims the token endpoint wrote', async () => {
    const key = dpopKeyOfSigner(p.alice);
    const res = await exchange(bank, { holder: p.alice, credentials: [p.root], key, nonce: await freshNonce(bank.app) });
    expect(res.status).toBe(200);
    const token = res.body.access_token as string;
    const answer = await introspect(token);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ active: true, iss: ISSUER, aud: RESOURCE, sub: OWNER, client_id: p.alice.did, act: { sub: p.alice.did }, cnf: { jkt: key.jkt }, token_type: 'DPoP', scope: 'call:billing:refund' });
  });

  it('are decided by AuthZEN for two resource servers, with the chain’s constraints and attribution', async () => {
    // acme -> alice -> bob: bob's token carries the narrower 50 EUR cap and the nested act.
    const key = generateDpopKey('ES256');
    const res = await exchange(bank, { holder: p.bob, credentials: [p.root, p.child], key, jkt: key.jkt, nonce: await freshNonce(bank.app) });
    const token = res.body.access_token as string;
    const allowed = await evaluate(rs1, p.bob.did, token, 'call', '40.00');
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({ decision: true, context: { decision: 'allow', attribution: [p.bob.did, p.alice.did, OWNER] } });
    const tooMuch = await evaluate(rs2, p.bob.did, token, 'call', '60.00');
    expect(tooMuch.body.decision).toBe(false);
    expect(tooMuch.body.context.reasons.map((r) => r.code)).toEqual(['ERR_CONSTRAINT_AMOUNT']);
    const other = await evaluate(rs2, p.bob.did, token, 'close', '1.00');
    expect(other.body.context.reasons.map((r) => r.code)).toEqual(['ERR_NOT_AUTHORIZED']);
  });
});
