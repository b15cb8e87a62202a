// The adapters end to end on loopback: acme's AS (metadata + JWKS) and
// bank's API served over real HTTP on 127.0.0.1, the API guarded once by the
// Hono middleware and once by the Node http adapter, each publishing its
// RFC 9728 metadata; alice calls it with a DPoP-bound token.
//   acme (AS) -> alice (client) -> bank's API
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopProof, type DpopKeyPair } from '../../src/oauth/dpop.js';
import {
  createResourceServer,
  legateAuth,
  nodeAuth,
  protectedResourceMetadataHandler,
  type LegateEnv,
  type ResourceServer,
  type RouteTarget,
} from '../../src/resource-server/index.js';
import { alice } from '../fixtures.js';
import { accessToken, authorizationServer, detail } from './helpers.js';

const servers: { close: (cb: () => void) => unknown }[] = [];
const resourceServers: ResourceServer[] = [];

/** Serves `fetch` on 127.0.0.1 at a free port; resolves its origin. */
async function listen(fetch: (request: Request) => Response | Promise<Response>): Promise<string> {
  return new Promise((resolve) => {
    const server = serve({ fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => resolve(`http://127.0.0.1:${info.port}`));
    servers.push(server);
  });
}

async function listenNode(handler: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<string> {
  const server: Server = createServer((req, res) => void handler(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let issuer: string;

beforeAll(async () => {
  const as: { app?: Hono } = {};
  issuer = await listen((request) => as.app!.fetch(request));
  as.app = authorizationServer(issuer).app;
});

afterAll(async () => {
  await Promise.all(resourceServers.map((rs) => rs.close()));
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

function guard(resource: string): ResourceServer {
  const rs = createResourceServer({
    resource,
    issuers: [issuer],
    routes: {
      'GET /tickets/:id': { action: 'read', resource: 'crm:tickets' },
      'POST /refunds': (r) => ({ action: 'call', resource: 'billing:refund', amount: (r.body as { amount: RouteTarget['amount'] }).amount }),
    },
    body: { maxBytes: 1024 },
    allowHttpLoopback: true,
  });
  resourceServers.push(rs);
  return rs;
}

async function call(url: string, token: string, key: DpopKeyPair, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const method = init.method ?? 'GET';
  const dpop = await createDpopProof({ key, htm: method, htu: url, accessToken: token });
  const headers: Record<string, string> = { authorization: `DPoP ${token}`, dpop };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(url, { method, headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
}

const grants = [detail('read', 'crm:tickets'), detail('call', 'billing:refund', { constraints: { maxAmount: { value: 50, currency: 'USD' } } })];

describe('resource server adapters on loopback', () => {
  it('Hono: legateAuth lets an allowed call through with c.get("legate"), refuses others, serves the metadata', async () => {
    // The service's origin is known once it listens: its app is built then.
    const service: { app?: Hono<LegateEnv>; prmPath?: string } = {};
    const origin = await listen((request) => service.app!.fetch(request));
    const rs = guard(origin);
    const prm = protectedResourceMetadataHandler({ resource: rs.resource, authorizationServers: [issuer], scopesSupported: ['read:crm:tickets'] });
    const app = new Hono<LegateEnv>();
    app.use(prm.hono);
    app.use('/tickets/*', legateAuth(rs));
    app.get('/tickets/:id', (c) => c.json({ id: c.req.param('id'), by: c.get('legate').attribution }));
    Object.assign(service, { app, prmPath: prm.path });
    const now = new Date();
    const { token, key } = await accessToken({ audience: origin, issuer, details: grants, at: now });
    const allowed = await call(`${origin}/tickets/42`, token, key);
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ id: '42', by: [alice.did, alice.owner] });

    const anonymous = await fetch(`${origin}/tickets/42`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain(`resource_metadata="${origin}/.well-known/oauth-protected-resource"`);
    expect(await anonymous.json()).toMatchObject({ error: 'invalid_token', code: 'ERR_TOKEN_INVALID' });

    const metadata = await fetch(`${origin}/.well-known/oauth-protected-resource`);
    expect(service.prmPath).toBe('/.well-known/oauth-protected-resource');
    expect(metadata.status).toBe(200);
    expect(await metadata.json()).toMatchObject({ resource: origin, authorization_servers: [issuer], scopes_supported: ['read:crm:tickets'] });
  });

  it('Node http: nodeAuth builds the request with its body, passes req.body on, refuses with the challenge', async () => {
    const guarded: { auth?: ReturnType<typeof nodeAuth> } = {};
    const seen: unknown[] = [];
    const origin = await listenNode(async (req, res) => {
      const locals: Record<string, unknown> = {};
      Object.assign(res, { locals });
      await guarded.auth!(req, res, () => {
        seen.push({ body: (req as { body?: unknown }).body, local: (locals.legate as { target: unknown }).target });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok: true }));
      });
    });
    guarded.auth = nodeAuth(guard(origin));
    const { token, key } = await accessToken({ audience: origin, issuer, details: grants, at: new Date() });
    const refund = { amount: { value: 30, currency: 'USD' } };
    const allowed = await call(`${origin}/refunds`, token, key, { method: 'POST', body: refund });
    expect(allowed.status).toBe(200);
    expect(seen).toEqual([{ body: refund, local: { action: 'call', resource: 'billing:refund', amount: refund.amount } }]);

    const tooMuch = await call(`${origin}/refunds`, token, key, { method: 'POST', body: { amount: { value: 80, currency: 'USD' } } });
    expect(tooMuch.status).toBe(403);
    expect(tooMuch.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(tooMuch.headers.get('www-authenticate')).toContain('scope="call:billing:refund"');
    expect(await tooMuch.json()).toMatchObject({ error: 'insufficient_scope', code: 'ERR_CONSTRAINT_AMOUNT' });

    // Under Express, a body parser before the guard has read the stream: its req.body is what the mapping gets.
    const express: { auth?: ReturnType<typeof nodeAuth> } = {};
    const parsedBefore = await listenNode(async (req, res) => {
      Object.assign(req, { body: { amount: { value: 20, currency: 'USD' } } });
      const allowed = await express.auth!(req, res);
      if (allowed !== undefined) res.end(JSON.stringify(allowed.target));
    });
    express.auth = nodeAuth(guard(parsedBefore));
    const own = await accessToken({ audience: parsedBefore, issuer, details: grants, at: new Date() });
    const viaExpress = await call(`${parsedBefore}/refunds`, own.token, own.key, { method: 'POST' });
    expect(viaExpress.status).toBe(200);
    expect(await viaExpress.json()).toEqual({ action: 'call', resource: 'billing:refund', amount: { value: 20, currency: 'USD' } });

    const huge = await call(`${origin}/refunds`, token, key, { method: 'POST', body: { amount: refund.amount, pad: 'x'.repeat(4096) } });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
    expect(seen).toHaveLength(1);
  });

  it('Node http: the metadata handler answers its well-known path only', async () => {
    const prm = protectedResourceMetadataHandler({ resource: 'https://api.bank.example/mcp', authorizationServers: ['https://acme.example'] });
    expect(prm.path).toBe('/.well-known/oauth-protected-resource/mcp');
    expect(prm.url).toBe('https://api.bank.example/.well-known/oauth-protected-resource/mcp');
    const origin = await listenNode((req, res) => {
      if (prm.node(req, res)) return;
      res.statusCode = 404;
      res.end();
    });
    const found = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ resource: 'https://api.bank.example/mcp', authorization_servers: ['https://acme.example'] });
    expect((await fetch(`${origin}/.well-known/oauth-protected-resource`)).status).toBe(404);
    expect((await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`, { method: 'POST' })).status).toBe(404);
    expect(prm.fetch(new Request('https://api.bank.example/.well-known/oauth-protected-resource/mcp'))?.status).toBe(200);
    expect(prm.fetch(new Request('https://api.bank.example/other'))).toBeUndefined();
  });
});
