// Two resource servers sharing one real node as their PDP: the budget of
// alice's refund capability holds across both, approvals are the node's to
// give, and maxAmount is refused in process without asking. The node's app
// answers in process (injected fetch, no network); its JWKS is served from
// its organization key beside it (the AS metadata routes are another
// helper's).
//   bank (AS + PDP) -> alice (refunds ≤ 60 EUR, 100 EUR/day; close needs approval)
//   rs1, rs2: bank's refund API, two instances, each a registered client of the node
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { organizationSigner } from '../../src/node/signers.js';
import { generateDpopKey } from '../../src/oauth/dpop.js';
import { jwksOf } from '../../src/oauth/jwks.js';
import { createResourceServer, type ResourceServer, type RouteTarget, type VerifyResult } from '../../src/resource-server/index.js';
import { createApp } from '../../src/server/app.js';
import { NOW } from '../fixtures.js';
import { accessTokenFor, ISSUER, openBank, OWNER, RESOURCE, rs1, rs2, type Bank } from '../oauth-server/pdp-fixture.js';
import { fetchFrom, signedRequest } from './helpers.js';

const clock = () => new Date(NOW.getTime());
let bank: Bank;
let servers: ResourceServer[];

beforeEach(async () => {
  bank = await openBank(clock);
  const org = await organizationSigner(bank.node);
  const node = createApp({ node: bank.node });
  // RFC 8414 metadata and the JWKS a stock AS would publish, in front of the node's own routes.
  const front = new Hono();
  front.get('/.well-known/oauth-authorization-server', (c) => c.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/oauth/jwks` }));
  front.get('/oauth/jwks', (c) => c.json(jwksOf([{ kid: org.kid, publicKey: org.publicKey }])));
  front.all('*', (c) => node.fetch(c.req.raw));
  const { fetch } = fetchFrom({ [ISSUER]: front });
  servers = [rs1, rs2].map((client) =>
    createResourceServer({
      resource: RESOURCE,
      issuers: [ISSUER],
      routes: {
        'POST /refunds': (r) => ({ action: 'call', resource: 'billing:refund', amount: (r.body as { amount: RouteTarget['amount'] }).amount }),
        'POST /accounts/:id/close': { action: 'close', resource: 'billing:account' },
      },
      body: true,
      pdp: { client: { did: client.did, signer: client } },
      clock,
      fetch,
    }),
  );
});

afterEach(async () => {
  await Promise.all(servers.map((rs) => rs.close()));
  await bank.node.close();
});

function codeOf(result: VerifyResult): string {
  return result.ok ? `allowed by ${result.decidedBy}` : result.code;
}

describe('resource servers with a real node as PDP', () => {
  it('holds a budget across two resource servers, relays approval_required, checks maxAmount in process', async () => {
    const key = generateDpopKey();
    const { token } = await accessTokenFor(bank, bank.alice.signer, [bank.alice.root.jwt], clock, { jkt: key.jkt });
    const [one, two] = servers as [ResourceServer, ResourceServer];
    const refund = (value: number) => signedRequest({ token, key, method: 'POST', url: RESOURCE, body: { amount: { value, currency: 'EUR' } } });

    const first = await one.verify(await refund(60));
    expect(codeOf(first)).toBe('allowed by pdp');
    expect(first.ok && first.attribution).toEqual([bank.alice.did, OWNER]);
    expect(codeOf(await two.verify(await refund(40)))).toBe('allowed by pdp');
    // 100 EUR spent through two services: the node refuses the next euro, whichever service asks.
    const over = await one.verify(await refund(10));
    expect(codeOf(over)).toBe('ERR_BUDGET_EXCEEDED');
    expect(!over.ok && [over.status, over.error]).toEqual([403, 'insufficient_scope']);
    expect(codeOf(await two.verify(await refund(1)))).toBe('ERR_BUDGET_EXCEEDED');
    // Above maxAmount: refused here, with the constraint's own code.
    expect(codeOf(await two.verify(await refund(70)))).toBe('ERR_CONSTRAINT_AMOUNT');

    const close = await signedRequest({ token, key, method: 'POST', url: 'https://api.bank.example/accounts/7/close' });
    expect(codeOf(await one.verify(close))).toBe('ERR_APPROVAL_REQUIRED');
  });

  it('refuses a budgeted call once the credential behind the token is revoked (the node knows, the token does not)', async () => {
    const key = generateDpopKey();
    const { token } = await accessTokenFor(bank, bank.alice.signer, [bank.alice.root.jwt], clock, { jkt: key.jkt });
    const refund = () => signedRequest({ token, key, method: 'POST', url: RESOURCE, body: { amount: { value: 5, currency: 'EUR' } } });
    expect(codeOf(await servers[0]!.verify(await refund()))).toBe('allowed by pdp');
    await bank.node.services.statusLists.change(bank.alice.root.id, 'revoke');
    const revoked = await servers[0]!.verify(await refund());
    expect(codeOf(revoked)).toBe('ERR_REVOKED');
    expect(!revoked.ok && [revoked.status, revoked.error]).toEqual([401, 'invalid_token']);
  });
});
