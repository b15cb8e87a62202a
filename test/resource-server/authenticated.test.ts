// The AUTHENTICATED route answer: a route open to any valid token for this resource. The token and its DPoP
// proof are checked as for any route; then no capability is asked for and no PDP is asked.
//   acme (AS) -> alice (client, a token for crm:tickets only) -> bank's API (this resource server)
import { describe, expect, it } from 'vitest';
import { generateDpopKey } from '../../src/oauth/dpop.js';
import { AUTHENTICATED, createResourceServer } from '../../src/resource-server/index.js';
import type { ResourceServerOptions, VerifyResult } from '../../src/resource-server/index.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { alice } from '../fixtures.js';
import { accessToken, authorizationServer, clock, fetchFrom, ISSUER, RESOURCE, signedRequest } from './helpers.js';

const bank = generateEphemeralSigner();
const routes: ResourceServerOptions['routes'] = {
  'GET /me': AUTHENTICATED,
  'POST /rpc': (request) => ((request.body as { method?: string } | undefined)?.method === 'ping' ? AUTHENTICATED : undefined),
  'POST /bad': () => 'open' as never,
};

function setup(extra: Partial<ResourceServerOptions> = {}) {
  const net = fetchFrom({ [ISSUER]: authorizationServer().app });
  // A PDP that cannot be reached: asking it would refuse 503, so an allow proves it was not asked.
  const pdp = { client: { did: bank.did, signer: bank }, endpoint: 'https://pdp.unreachable.example/access/v1/evaluation' };
  return createResourceServer({ resource: RESOURCE, issuers: [ISSUER], routes, body: true, pdp, clock, fetch: net.fetch, ...extra });
}

function refused(result: VerifyResult) {
  if (result.ok) throw new Error('expected a refusal');
  return result;
}

describe('resource server: routes open to any valid token (AUTHENTICATED)', () => {
  it('allows a valid token with no capability for the route, says so in the result, and asks no PDP', async () => {
    const rs = setup();
    const { token, key } = await accessToken();
    const result = await rs.verify(await signedRequest({ token, key, url: `${RESOURCE}/me` }));
    expect(result).toMatchObject({ ok: true, target: 'authenticated', decidedBy: 'token', attribution: [alice.did, alice.owner], claims: { client_id: alice.did }, headers: {} });
    expect(result.ok && result.capability).toBeUndefined();
    // From a function mapping too, with the body it read.
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
    expect(await rs.verify(await signedRequest({ token, key, method: 'POST', url: `${RESOURCE}/rpc`, body: ping }))).toMatchObject({ ok: true, decidedBy: 'token', body: ping });
    const other = refused(await rs.verify(await signedRequest({ token, key, method: 'POST', url: `${RESOURCE}/rpc`, body: { method: 'read' } })));
    expect([other.status, other.code]).toEqual([403, 'ERR_NOT_AUTHORIZED']);
  });

  it('still checks the token and the proof: none, another audience, a proof by another key', async () => {
    const rs = setup();
    const url = `${RESOURCE}/me`;
    expect(refused(await rs.verify(new Request(url))).status).toBe(401);
    const elsewhere = await accessToken({ audience: 'https://other.example' });
    expect(refused(await rs.verify(await signedRequest({ ...elsewhere, url }))).code).toBe('ERR_AUDIENCE');
    const { token } = await accessToken();
    expect(refused(await rs.verify(await signedRequest({ token, key: generateDpopKey(), url }))).code).toBe('ERR_DPOP_INVALID');
  });

  it('carries a fresh DPoP nonce when nonces are on', async () => {
    const rs = setup({ dpop: { nonce: { key: new Uint8Array(32).fill(7) } } });
    const { token, key } = await accessToken();
    const first = refused(await rs.verify(await signedRequest({ token, key, url: `${RESOURCE}/me` })));
    const nonce = first.headers['DPoP-Nonce']!;
    const result = await rs.verify(await signedRequest({ token, key, url: `${RESOURCE}/me`, proof: { nonce } }));
    expect(result).toMatchObject({ ok: true, decidedBy: 'token', headers: { 'DPoP-Nonce': expect.any(String) as unknown } });
  });

  it('accepts no other string as a route answer: a table value is a configuration error, a function answer a server error', async () => {
    expect(() => createResourceServer({ resource: RESOURCE, issuers: [ISSUER], routes: { 'GET /me': 'open' as never } })).toThrow(TypeError);
    const rs = setup();
    const { token, key } = await accessToken();
    const result = refused(await rs.verify(await signedRequest({ token, key, method: 'POST', url: `${RESOURCE}/bad`, body: {} })));
    expect([result.status, result.code]).toEqual([500, 'ERR_INTERNAL']);
  });
});
