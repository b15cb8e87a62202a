// Two organizations on loopback, each its own node, data directory and HTTP server:
//   acme (did:web:localhost%3A<port>) -> alice (did:web agent, owner carol) -> helper (did:web sub-agent)
//   bank: the authorization server; accredits acme for billing, one delegation hop; resolves acme's DIDs over HTTP.
// A stock JOSE library verifies the issued token against the bank's published JWKS, fetched over HTTP.
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { delegateFromAgent } from '../../src/node/delegate.js';
import { issueToAgent } from '../../src/node/issue.js';
import { accredit } from '../../src/node/registry.js';
import { createDpopProof, dpopKeyOfSigner } from '../../src/oauth/dpop.js';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_PRESENTATION } from '../../src/oauth/types.js';
import { createPresentation } from '../../src/presentation/create.js';
import { startNode, type RunningNode } from '../helpers/federation.js';
import { claimsOf, OWNER } from './helpers.js';

const RESOURCE = 'https://api.bank.example/billing';

describe('token exchange between two organizations on loopback', () => {
  let acme: RunningNode;
  let bank: RunningNode;
  let chain: { alice: string; helper: string; root: string; child: string };

  beforeAll(async () => {
    acme = await startNode('acme');
    bank = await startNode('bank');
    // The bank serves one resource (startNode takes no OAuth settings; the policy is the node's own field).
    bank.node.oauth = { ...bank.node.oauth, resources: [RESOURCE] };
    await accredit(bank.node, { issuer: acme.did, capabilities: ['call:billing:*'], maxDelegationDepth: 1 });
    const alice = await createAgent(acme.node, { name: 'alice', owner: OWNER });
    const helper = await createAgent(acme.node, { name: 'helper', owner: OWNER });
    const root = await issueToAgent(acme.node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }], delegation: { depth: 0, maxDepth: 1 } });
    const child = await delegateFromAgent(acme.node, { from: 'alice', credential: root.id, to: 'helper', capability: { action: 'call', resource: 'billing:refund' } });
    chain = { alice: alice.did, helper: helper.did, root: root.jwt, child: child.jwt };
  });
  afterAll(async () => {
    await acme?.server.close();
    await bank?.server.close();
  });

  it('a partner’s sub-agent obtains a DPoP-bound token over HTTP, and jose verifies it with the remote JWKS', async () => {
    const tokenUrl = `${bank.url}/oauth/token`;
    const first = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    const nonce = first.headers.get('dpop-nonce')!;
    expect(nonce).toBeTruthy();

    const helper = await acme.node.keys.signer((await acme.node.store.getAgent('helper'))!.kid);
    const key = dpopKeyOfSigner(helper);
    const vp = await createPresentation({ signer: helper, credentials: [chain.root, chain.child], audience: bank.url, nonce });
    const form = new URLSearchParams({ grant_type: GRANT_TYPE_TOKEN_EXCHANGE, subject_token: vp, subject_token_type: TOKEN_TYPE_PRESENTATION, resource: RESOURCE, scope: 'call:billing:refund', client_id: chain.helper });
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await createDpopProof({ key, htm: 'POST', htu: tokenUrl, nonce }) },
      body: form.toString(),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'DPoP', scope: 'call:billing:refund' });

    const metadata = (await (await fetch(`${bank.url}/.well-known/oauth-authorization-server`)).json()) as { issuer: string; jwks_uri: string };
    expect(metadata.issuer).toBe(bank.url);
    const { payload } = await jwtVerify(body.access_token as string, createRemoteJWKSet(new URL(metadata.jwks_uri)), { issuer: metadata.issuer, audience: RESOURCE, typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: OWNER, client_id: chain.helper, act: { sub: chain.helper, act: { sub: chain.alice } }, cnf: { jkt: key.jkt } });
    expect(claimsOf(body.access_token as string).authorization_details).toEqual([expect.objectContaining({ action: 'call', resource: 'billing:refund' })]);
  });
});
