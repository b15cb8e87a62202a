// The official MCP SDK (Client + StreamableHTTPClientTransport, McpServer + StreamableHTTPServerTransport)
// over the Legate guard on a loopback Node server, with a resource-server DPoP nonce (RFC 9449 §9) that the
// client's dpopFetch meets by retrying. The authorization server is faked behind the injected fetch:
//   acme (AS) -> token for alice (owner carol): read billing:invoices:*
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dpopFetch, mcpHandler, mcpMiddleware, protectMcp, type LegateAuthInfo, type ProtectedMcp } from '../../src/mcp/index.js';
import { issueAccessToken } from '../../src/oauth/access-token.js';
import { generateDpopKey } from '../../src/oauth/dpop.js';
import { jwksOf } from '../../src/oauth/jwks.js';
import { AUTHORIZATION_DETAILS_TYPE } from '../../src/oauth/types.js';
import { freeLoopbackPort } from '../../src/server/loopback.js';
import { acme, alice } from '../fixtures.js';

const ISSUER = 'https://acme.example';
const asFetch = (url: string): Promise<Response> => {
  if (url === `${ISSUER}/.well-known/oauth-authorization-server`) return Promise.resolve(Response.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/oauth/jwks` }));
  if (url === `${ISSUER}/oauth/jwks`) return Promise.resolve(Response.json(jwksOf([{ kid: acme.signer.kid, publicKey: acme.signer.publicKey }])));
  return Promise.resolve(new Response('not found', { status: 404 }));
};

async function aliceToken(audience: string, key = generateDpopKey('ES256')) {
  const issued = await issueAccessToken({
    signer: acme.signer,
    issuer: ISSUER,
    audience,
    clientId: alice.did,
    sub: 'mailto:carol@acme.example',
    act: { sub: alice.did },
    authorizationDetails: [{ type: AUTHORIZATION_DETAILS_TYPE, action: 'read', resource: 'billing:invoices:*', credential: 'urn:uuid:c1' }],
    jkt: key.jkt,
    lifetimeSeconds: 300,
  });
  return { ...issued, key };
}

describe('the MCP SDK over the Legate guard', () => {
  let server: Server;
  let guard: ProtectedMcp;
  let url: string;
  const seen: LegateAuthInfo[] = [];

  beforeAll(async () => {
    const port = await freeLoopbackPort();
    url = `http://127.0.0.1:${port}/mcp`;
    guard = protectMcp({
      resource: url,
      issuers: [ISSUER],
      fetch: asFetch,
      dpop: { nonce: { key: randomBytes(32) } },
      tools: { lookup_invoice: { action: 'read', resource: (args) => `billing:invoices:${String(args.id)}` } },
    });
    server = createServer(
      mcpHandler(guard, async (req, res, body) => {
        const mcp = new McpServer({ name: 'bank', version: '1.0.0' });
        mcp.registerTool('lookup_invoice', { inputSchema: { id: z.string() } }, ({ id }, extra) => {
          seen.push(extra.authInfo as LegateAuthInfo);
          return { content: [{ type: 'text', text: `invoice ${id}` }] };
        });
        mcp.registerTool('delete_invoice', { inputSchema: { id: z.string() } }, () => ({ content: [{ type: 'text', text: 'deleted' }] }));
        // Stateless (no sessionIdGenerator): one SDK server and transport per HTTP request.
        const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
        await mcp.connect(transport);
        await transport.handleRequest(req, res, body);
      }),
    );
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await guard?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('connects, lists and calls with a DPoP-bound token, meeting the server’s nonce; the tool handler gets the AuthInfo', async () => {
    const { token, claims, key } = await aliceToken(url);
    const statuses: number[] = [];
    const counting = async (input: string | URL, init?: RequestInit) => {
      const response = await fetch(input, init);
      statuses.push(response.status);
      return response;
    };
    const client = new Client({ name: 'alice', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: dpopFetch({ token, key, fetch: counting }) }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['lookup_invoice', 'delete_invoice']);
      expect(await client.callTool({ name: 'lookup_invoice', arguments: { id: 'INV-1' } })).toMatchObject({ content: [{ text: 'invoice INV-1' }] });
      const refused = await client.callTool({ name: 'delete_invoice', arguments: { id: 'INV-1' } }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 403 });
      expect((refused as Error).message).toContain('ERR_NOT_AUTHORIZED');
    } finally {
      await client.close();
    }
    // The first request met the nonce challenge (401 use_dpop_nonce), the retry went through.
    expect(statuses.slice(0, 2)).toEqual([401, 200]);
    expect(seen).toEqual([expect.objectContaining({ token, clientId: alice.did, expiresAt: claims.exp, extra: { legate: { claims, attribution: [alice.did, 'mailto:carol@acme.example'] } } })]);
  });

  it('works as Express-style middleware: metadata and refusals answered, an allowed request continues with req.auth and req.body', async () => {
    const port = await freeLoopbackPort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    const middlewareGuard = protectMcp({ resource, issuers: [ISSUER], fetch: asFetch, tools: {} });
    const middleware = mcpMiddleware(middlewareGuard);
    const app = createServer((req, res) =>
      middleware(req, res, () => {
        const { auth, body } = req as typeof req & { auth: LegateAuthInfo; body: unknown };
        res.end(JSON.stringify({ clientId: auth.clientId, body }));
      }),
    );
    await new Promise<void>((resolve) => app.listen(port, '127.0.0.1', resolve));
    try {
      const metadata = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`);
      expect(await metadata.json()).toMatchObject({ resource, authorization_servers: [ISSUER], scopes_supported: [] });
      expect((await fetch(resource, { method: 'POST', body: '{}' })).status).toBe(401);
      const { token, key } = await aliceToken(resource);
      const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
      const allowed = await dpopFetch({ token, key })(resource, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(list) });
      expect(await allowed.json()).toEqual({ clientId: alice.did, body: list });
      // No tool is mapped on this server: every call is refused, whatever the token.
      const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'lookup_invoice', arguments: { id: 'A' } } };
      const refused = await dpopFetch({ token, key })(resource, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call) });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: 'insufficient_scope', code: 'ERR_NOT_AUTHORIZED' });
    } finally {
      await middlewareGuard.close();
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
    }
  });

  it('works on the Web-standard face: authorize(request), then the SDK’s WebStandardStreamableHTTPServerTransport', async () => {
    const resource = 'https://mcp.bank.example/mcp';
    const webGuard = protectMcp({ resource, issuers: [ISSUER], fetch: asFetch, tools: { lookup_invoice: { action: 'read', resource: (args) => `billing:invoices:${String(args.id)}` } } });
    // A Fetch handler, as Hono or a worker would run it; the client reaches it in process through its fetch option.
    const app = async (request: Request): Promise<Response> => {
      const result = await webGuard.authorize(request);
      if (!result.ok) return Response.json(result.body, { status: result.status, headers: result.headers });
      const mcp = new McpServer({ name: 'bank', version: '1.0.0' });
      mcp.registerTool('lookup_invoice', { inputSchema: { id: z.string() } }, ({ id }, extra) => ({
        content: [{ type: 'text', text: `invoice ${id} for ${(extra.authInfo as LegateAuthInfo).clientId}` }],
      }));
      const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
      await mcp.connect(transport);
      return transport.handleRequest(request, { authInfo: result.auth, parsedBody: result.body });
    };
    const { token, key } = await aliceToken(resource);
    const client = new Client({ name: 'alice', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), { fetch: dpopFetch({ token, key, fetch: (url, init) => app(new Request(url, init)) }) }));
    try {
      expect(await client.callTool({ name: 'lookup_invoice', arguments: { id: 'INV-2' } })).toMatchObject({ content: [{ text: `invoice INV-2 for ${alice.did}` }] });
    } finally {
      await client.close();
      await webGuard.close();
    }
  });
});
