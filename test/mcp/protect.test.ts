// protectMcp in process: an authorization server faked through the injected fetch (metadata + JWKS),
// access tokens issued by acme's fixed key, DPoP proofs by a fresh key.
//   acme (AS) -> token for alice (owner carol): read billing:invoices:*, refund billing:refunds ≤ 100 EUR
import { describe, expect, it } from 'vitest';
import { createDpopProof, generateDpopKey, type DpopKeyPair } from '../../src/oauth/dpop.js';
import { issueAccessToken } from '../../src/oauth/access-token.js';
import { jwksOf } from '../../src/oauth/jwks.js';
import { AUTHORIZATION_DETAILS_TYPE } from '../../src/oauth/types.js';
import { protectMcp } from '../../src/mcp/protect.js';
import { acme, alice } from '../fixtures.js';

const ISSUER = 'https://acme.example';
const RESOURCE = 'https://mcp.bank.example/mcp';
const carol = 'mailto:carol@acme.example';

const asFetch = (url: string): Promise<Response> => {
  if (url === `${ISSUER}/.well-known/oauth-authorization-server`) return Promise.resolve(Response.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/oauth/jwks` }));
  if (url === `${ISSUER}/oauth/jwks`) return Promise.resolve(Response.json(jwksOf([{ kid: acme.signer.kid, publicKey: acme.signer.publicKey }])));
  return Promise.resolve(new Response('not found', { status: 404 }));
};

const guard = protectMcp({
  resource: RESOURCE,
  issuers: [ISSUER],
  fetch: asFetch,
  resourceName: 'Bank billing',
  tools: {
    lookup_invoice: { action: 'read', resource: (args) => `billing:invoices:${String(args.id)}` },
    refund: { action: 'refund', resource: 'billing:refunds', amount: (args) => ({ value: Number(args.amount), currency: 'EUR' }) },
    close_account: { action: 'close', resource: 'billing:accounts' },
  },
});

async function aliceToken(key: DpopKeyPair, audience = RESOURCE) {
  return issueAccessToken({
    signer: acme.signer,
    issuer: ISSUER,
    audience,
    clientId: alice.did,
    sub: carol,
    act: { sub: alice.did },
    authorizationDetails: [
      { type: AUTHORIZATION_DETAILS_TYPE, action: 'read', resource: 'billing:invoices:*', credential: 'urn:uuid:c1' },
      { type: AUTHORIZATION_DETAILS_TYPE, action: 'refund', resource: 'billing:refunds', constraints: { maxAmount: { value: 100, currency: 'EUR' } }, credential: 'urn:uuid:c1' },
    ],
    jkt: key.jkt,
    lifetimeSeconds: 300,
  });
}

async function post(body: unknown, options: { key?: DpopKeyPair; token?: string; method?: string } = {}): Promise<Request> {
  const key = options.key ?? generateDpopKey();
  const token = options.token ?? (await aliceToken(key)).token;
  const method = options.method ?? 'POST';
  const proof = await createDpopProof({ key, htm: method, htu: RESOURCE, accessToken: token });
  return new Request(RESOURCE, {
    method,
    headers: { authorization: `DPoP ${token}`, dpop: proof, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
}
const call = (name: string, args: Record<string, unknown>) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } });

describe('protectMcp', () => {
  it('lets initialize, ping, tools/list, notifications, responses and the SSE GET through on a valid token alone, with the SDK AuthInfo', async () => {
    for (const body of [
      { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'alice', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2, method: 'ping' },
      { jsonrpc: '2.0', id: 3, result: {} },
      [{ jsonrpc: '2.0', id: 4, method: 'ping' }, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }],
    ]) {
      const result = await guard.authorize(await post(body));
      expect(result).toMatchObject({ ok: true, body, decision: { target: 'authenticated', decidedBy: 'token' }, auth: { clientId: alice.did } });
      expect(result.ok && result.decision.capability).toBeUndefined();
    }
    const key = generateDpopKey();
    const { token, claims } = await aliceToken(key);
    const result = await guard.authorize(await post(undefined, { key, token, method: 'GET' }));
    expect(result).toEqual({
      ok: true,
      body: undefined,
      headers: {},
      decision: { ok: true, claims, attribution: [alice.did, carol], headers: {}, body: undefined, target: 'authenticated', decidedBy: 'token' },
      auth: {
        token,
        clientId: alice.did,
        scopes: ['read:billing:invoices:*', 'refund:billing:refunds'],
        expiresAt: claims.exp,
        resource: new URL(RESOURCE),
        extra: { legate: { claims, attribution: [alice.did, carol] } },
      },
    });
  });

  it('allows a tools/call within the token’s capabilities, with the decision', async () => {
    const result = await guard.authorize(await post(call('refund', { amount: 40 })));
    expect(result).toMatchObject({ ok: true, body: call('refund', { amount: 40 }), decision: { capability: { action: 'refund', resource: 'billing:refunds' }, decidedBy: 'local' } });
    expect(await guard.authorize(await post(call('lookup_invoice', { id: 'INV-7' })))).toMatchObject({ ok: true, auth: { clientId: alice.did } });
  });

  it('refuses a call beyond the token with 403 insufficient_scope, the Legate code and the scope that would allow it', async () => {
    const over = await guard.authorize(await post(call('refund', { amount: 500 })));
    expect(over).toMatchObject({ ok: false, status: 403, body: { error: 'insufficient_scope', code: 'ERR_CONSTRAINT_AMOUNT', scope: 'refund:billing:refunds' } });
    expect(over.ok || over.headers['WWW-Authenticate']).toMatch(/^DPoP error="insufficient_scope".*scope="refund:billing:refunds".*resource_metadata="https:\/\/mcp\.bank\.example\/\.well-known\/oauth-protected-resource\/mcp"/);
    const never = await guard.authorize(await post(call('close_account', { account: 'A-1' })));
    expect(never).toMatchObject({ ok: false, status: 403, body: { error: 'insufficient_scope', code: 'ERR_NOT_AUTHORIZED', scope: 'close:billing:accounts' } });
  });

  it('refuses every other method with the code of an unmapped tool, alone or in a batch, before anything runs (fail closed)', async () => {
    for (const body of [
      { jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///etc/passwd' } },
      { jsonrpc: '2.0', id: 2, method: 'prompts/get', params: { name: 'secrets' } },
      { jsonrpc: '2.0', id: 3, method: 'completion/complete', params: {} },
      [{ jsonrpc: '2.0', id: 4, method: 'tools/list' }, { jsonrpc: '2.0', id: 5, method: 'resources/read', params: { uri: 'file:///etc/passwd' } }],
      [call('lookup_invoice', { id: 'A' }), { jsonrpc: '2.0', id: 9, method: 'prompts/get', params: { name: 'x' } }],
    ]) {
      const refused = await guard.authorize(await post(body));
      expect(refused).toMatchObject({ ok: false, status: 403, body: { error: 'insufficient_scope', code: 'ERR_NOT_AUTHORIZED' } });
      expect(refused.ok || refused.headers['WWW-Authenticate']).toMatch(/^DPoP error="insufficient_scope"/);
    }
    // Another HTTP method than POST, GET and DELETE is not an MCP request.
    expect(await guard.authorize(await post(undefined, { method: 'PUT' }))).toMatchObject({ ok: false, status: 403, body: { code: 'ERR_NOT_AUTHORIZED' } });
  });

  it('opens the methods the author maps: to a valid token, or to a capability from their params', async () => {
    const opened = protectMcp({
      resource: RESOURCE,
      issuers: [ISSUER],
      fetch: asFetch,
      tools: {},
      methods: {
        'resources/list': 'token',
        'resources/read': { action: 'read', resource: (params) => `billing:invoices:${String(params.uri).replace(/^invoice:\/\//, '')}` },
        'prompts/get': { action: 'read', resource: 'billing:prompts' },
      },
    });
    expect(await opened.authorize(await post({ jsonrpc: '2.0', id: 1, method: 'resources/list' }))).toMatchObject({ ok: true, decision: { decidedBy: 'token' } });
    expect(await opened.authorize(await post({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'invoice://INV-7' } }))).toMatchObject({
      ok: true,
      decision: { decidedBy: 'local', target: { action: 'read', resource: 'billing:invoices:INV-7' }, capability: { resource: 'billing:invoices:*' } },
    });
    expect(await opened.authorize(await post({ jsonrpc: '2.0', id: 3, method: 'prompts/get', params: { name: 'x' } }))).toMatchObject({
      ok: false,
      status: 403,
      body: { code: 'ERR_NOT_AUTHORIZED', scope: 'read:billing:prompts' },
    });
    expect(await opened.authorize(await post({ jsonrpc: '2.0', id: 4, method: 'completion/complete' }))).toMatchObject({ ok: false, status: 403, body: { code: 'ERR_NOT_AUTHORIZED' } });
    expect(opened.metadata.metadata.scopes_supported).toEqual(['read:billing:prompts']);
    expect(() => protectMcp({ resource: RESOURCE, issuers: [ISSUER], tools: {}, methods: { 'tools/call': 'token' } })).toThrow(TypeError);
    expect(() => protectMcp({ resource: RESOURCE, issuers: [ISSUER], tools: {}, methods: { 'resources/read': 'open' as never } })).toThrow(TypeError);
  });

  it('refuses an unmapped tool (403), a malformed call (400), and a batch of two calls (400)', async () => {
    expect(await guard.authorize(await post(call('drop_tables', {})))).toMatchObject({ ok: false, status: 403, body: { error: 'insufficient_scope', code: 'ERR_NOT_AUTHORIZED' } });
    expect(await guard.authorize(await post(call('lookup_invoice', { id: '*' })))).toMatchObject({ ok: false, status: 400, body: { error: 'invalid_request', code: 'ERR_MALFORMED' } });
    expect(await guard.authorize(await post({ method: 'tools/call' }))).toMatchObject({ ok: false, status: 400, body: { code: 'ERR_MALFORMED' } });
    const batch = [call('lookup_invoice', { id: 'A' }), { ...call('refund', { amount: 1 }), id: 8 }];
    expect(await guard.authorize(await post(batch))).toMatchObject({ ok: false, status: 400, body: { code: 'ERR_MALFORMED' } });
  });

  it('checks the token before the body: no token, a token for another resource, a proof by another key', async () => {
    const anonymous = await guard.authorize(new Request(RESOURCE, { method: 'POST', body: 'not json', headers: { 'content-type': 'application/json' } }));
    expect(anonymous).toMatchObject({ ok: false, status: 401 });
    expect(anonymous.ok || anonymous.headers['WWW-Authenticate']).toMatch(/^DPoP .*resource_metadata=/);
    const key = generateDpopKey();
    const elsewhere = await aliceToken(key, 'https://other.example/mcp');
    expect(await guard.authorize(await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { key, token: elsewhere.token }))).toMatchObject({
      ok: false,
      status: 401,
      body: { error: 'invalid_token', code: 'ERR_AUDIENCE' },
    });
    const { token } = await aliceToken(key);
    expect(await guard.authorize(await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { key: generateDpopKey(), token }))).toMatchObject({
      ok: false,
      status: 401,
      body: { error: 'invalid_dpop_proof', code: 'ERR_DPOP_INVALID' },
    });
  });

  it('serves RFC 9728 metadata naming the authorization server, with the fixed tools’ scopes', async () => {
    expect(guard.metadata.url).toBe('https://mcp.bank.example/.well-known/oauth-protected-resource/mcp');
    const response = guard.metadata.fetch(new Request(guard.metadata.url));
    expect(await response?.json()).toMatchObject({
      resource: RESOURCE,
      authorization_servers: [ISSUER],
      resource_name: 'Bank billing',
      scopes_supported: ['refund:billing:refunds', 'close:billing:accounts'],
      dpop_bound_access_tokens_required: true,
    });
  });

  it('refuses a configuration whose tools are not { action, resource }', () => {
    expect(() => protectMcp({ resource: RESOURCE, issuers: [ISSUER], tools: { x: { action: 'read' } as never } })).toThrow(TypeError);
  });
});
