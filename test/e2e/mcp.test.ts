// An MCP server that runs no Legate node, guarded by Legate authority, with the official MCP SDK on both sides.
//   acme (partner): carol (owner) -> alice (agent): read billing:invoices:*, refund billing:refunds ≤ 100 EUR
//   bank: accredits acme; its node is the authorization server of the MCP server (oauth.resources = the MCP URL)
//   bank's MCP server: lookup_invoice (read), refund (refund + amount), close_account (close: never granted)
// alice gets a DPoP-bound token from bank's node by token exchange, then calls the tools over Streamable HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { didKeyFromPublicKey, didKeyVerificationMethodId } from '../../src/did/key.js';
import { signerFromKeyObject } from '../../src/keys/signer.js';
import { privateKeyObject } from '../../src/lib/ed25519.js';
import { dpopFetch, mcpHandler, protectMcp, type LegateAuthInfo, type ProtectedMcp } from '../../src/mcp/index.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { accredit } from '../../src/node/registry.js';
import { changeStatus } from '../../src/node/status.js';
import { createClientAssertion } from '../../src/oauth/client-assertion.js';
import { dpopKeyFromPrivateJwk, generateDpopKey } from '../../src/oauth/dpop.js';
import type { RequestedToken } from '../../src/node/oauth/types.js';
import { freeLoopbackPort } from '../../src/server/loopback.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';

/** The MCP server's own identity as a client of bank's node (introspection): a did:key listed in `oauth.clients`. */
const mcpClient = (() => {
  const secretKey = ed25519.utils.randomSecretKey();
  const publicKey = ed25519.getPublicKey(secretKey);
  const did = didKeyFromPublicKey(publicKey);
  return { did, signer: signerFromKeyObject(didKeyVerificationMethodId(did), publicKey, privateKeyObject(secretKey, publicKey)) };
})();

interface Org {
  node: NodeContext;
  server: RunningServer;
  url: string;
}

/** A node on loopback (as startLoopbackNode), with this test's OAuth and status settings. */
async function startOrg(root: string, name: string, options: Parameters<typeof openNode>[0] extends infer O ? Partial<O> : never = {}): Promise<Org> {
  const port = await freeLoopbackPort();
  const dataDir = join(root, name);
  await initNode({ dataDir, domain: `localhost:${port}`, name });
  const node = await openNode({ dataDir, allowHttpLoopback: true, ...options });
  const server = await startServer({ node, port, onUnexpectedError: () => undefined });
  return { node, server, url: `http://localhost:${port}` };
}

describe('MCP: a partner agent calls an MCP server guarded by Legate authority (official SDK, Streamable HTTP, DPoP)', () => {
  const root = mkdtempSync(join(tmpdir(), 'legate-mcp-'));
  let acme: Org;
  let bank: Org;
  let mcpUrl: string;
  let mcpServer: Server;
  let guard: ProtectedMcp;
  let aliceDid: string;
  let credentialId: string;
  let token: RequestedToken;
  const seen: LegateAuthInfo[] = [];

  const askToken = () =>
    acme.node.services.oauth.requestToken({ agent: 'alice', from: bank.url, resource: mcpUrl, scope: ['read:billing:invoices:*', 'refund:billing:refunds'] });

  /** What the MCP server answered to one POST. */
  interface Answer {
    status: number;
    headers: Headers;
    body: string;
  }

  /** An MCP client for alice, whose every request carries the token and a fresh DPoP proof; `sent` records the answers to POSTs. */
  async function connect(sent: Answer[] = []): Promise<Client> {
    const key = dpopKeyFromPrivateJwk(token.dpop!.privateJwk);
    const inner = async (url: string | URL, init?: RequestInit) => {
      const response = await fetch(url, init);
      // JSON answers only (enableJsonResponse): a copy left unread would hold the SDK's cancel() of a 202 body.
      if (init?.method === 'POST' && response.status !== 202) sent.push({ status: response.status, headers: response.headers, body: await response.clone().text() });
      return response;
    };
    const client = new Client({ name: 'acme-alice', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { fetch: dpopFetch({ token: () => token.accessToken, key, fetch: inner }) }));
    return client;
  }

  beforeAll(async () => {
    const mcpPort = await freeLoopbackPort();
    mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
    acme = await startOrg(root, 'acme');
    // maxStatusAge 0: bank reads acme's status list afresh for every verification, so a revocation shows at once.
    bank = await startOrg(root, 'bank', { oauth: { resources: [mcpUrl], clients: [`${mcpClient.did}=${mcpUrl}`] }, verifier: { maxStatusAgeSeconds: 0 } });

    await accredit(bank.node, { issuer: acme.node.organization.did, capabilities: ['read:billing:*', 'refund:billing:*'] });
    await createAgent(acme.node, { name: 'carol', owner: 'mailto:carol@acme.example', method: 'key' });
    aliceDid = (await createAgent(acme.node, { name: 'alice', owner: (await acme.node.store.getAgent('carol'))!.did })).did;
    credentialId = (
      await issueToAgent(acme.node, {
        agent: 'alice',
        capabilities: [
          { action: 'read', resource: 'billing:invoices:*' },
          { action: 'refund', resource: 'billing:refunds', constraints: { maxAmount: { value: 100, currency: 'EUR' } } },
        ],
      })
    ).id;

    // The MCP server: stateless Streamable HTTP, one SDK server per request, behind the Legate guard.
    guard = protectMcp({
      resource: mcpUrl,
      issuers: [bank.url],
      allowHttpLoopback: true,
      resourceName: 'Bank billing tools',
      tools: {
        lookup_invoice: { action: 'read', resource: (args) => `billing:invoices:${String(args.id)}` },
        refund: { action: 'refund', resource: 'billing:refunds', amount: (args) => ({ value: Number(args.amount), currency: 'EUR' }) },
        close_account: { action: 'close', resource: 'billing:accounts' },
      },
    });
    mcpServer = createServer(
      mcpHandler(guard, async (req, res, body) => {
        const server = new McpServer({ name: 'bank-billing', version: '1.0.0' });
        const record = (info: unknown) => seen.push(info as LegateAuthInfo);
        server.registerTool('lookup_invoice', { description: 'An invoice by id', inputSchema: { id: z.string() } }, ({ id }, extra) => {
          record(extra.authInfo);
          return { content: [{ type: 'text', text: `invoice ${id}: 40.00 EUR, paid` }] };
        });
        server.registerTool('refund', { description: 'Refund an amount in EUR', inputSchema: { amount: z.number() } }, ({ amount }, extra) => {
          record(extra.authInfo);
          return { content: [{ type: 'text', text: `refunded ${amount} EUR` }] };
        });
        server.registerTool('close_account', { description: 'Close an account', inputSchema: { account: z.string() } }, () => ({ content: [{ type: 'text', text: 'closed' }] }));
        // Stateless (no sessionIdGenerator): one SDK server and transport per HTTP request.
        const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
        res.on('close', () => void server.close());
        await server.connect(transport);
        await transport.handleRequest(req, res, body);
      }),
    );
    await new Promise<void>((resolve) => mcpServer.listen(mcpPort, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await guard?.close();
    mcpServer?.closeAllConnections();
    await new Promise((resolve) => mcpServer?.close(resolve));
    await bank?.server.close();
    await acme?.server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('publishes RFC 9728 metadata naming bank as the authorization server, and challenges a request without a token', async () => {
    const metadata = await fetch(`http://127.0.0.1:${new URL(mcpUrl).port}/.well-known/oauth-protected-resource/mcp`);
    expect(metadata.status).toBe(200);
    expect(await metadata.json()).toMatchObject({
      resource: mcpUrl,
      authorization_servers: [bank.url],
      resource_name: 'Bank billing tools',
      dpop_bound_access_tokens_required: true,
      scopes_supported: ['refund:billing:refunds', 'close:billing:accounts'],
    });
    const anonymous = await fetch(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^DPoP .*resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/);
  });

  it('alice gets a DPoP-bound token by token exchange, lists the tools and calls one; the handler sees who acts for whom', async () => {
    token = await askToken();
    expect(token).toMatchObject({ tokenType: 'DPoP', scope: 'read:billing:invoices:* refund:billing:refunds' });
    const client = await connect();
    try {
      expect(client.getServerVersion()).toMatchObject({ name: 'bank-billing' });
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['close_account', 'lookup_invoice', 'refund']);
      const result = await client.callTool({ name: 'lookup_invoice', arguments: { id: 'INV-7' } });
      expect(result.content).toEqual([{ type: 'text', text: 'invoice INV-7: 40.00 EUR, paid' }]);
      expect(await client.callTool({ name: 'refund', arguments: { amount: 40 } })).toMatchObject({ content: [{ text: 'refunded 40 EUR' }] });
    } finally {
      await client.close();
    }
    const carol = (await acme.node.store.getAgent('carol'))!.did;
    expect(seen[0]).toMatchObject({ clientId: aliceDid, scopes: ['read:billing:invoices:*', 'refund:billing:refunds'], resource: new URL(mcpUrl) });
    expect(seen[0]!.extra.legate.attribution).toEqual([aliceDid, carol]);
    expect(seen[0]!.extra.legate.claims).toMatchObject({ iss: bank.url, sub: carol, aud: mcpUrl, act: { sub: aliceDid }, cnf: { jkt: token.dpop!.jkt } });
  });

  it('speaks the protocol version of the SDK', async () => {
    const sent: Answer[] = [];
    const client = await connect(sent);
    await client.close();
    expect(JSON.parse(sent[0]!.body)).toMatchObject({ result: { protocolVersion: LATEST_PROTOCOL_VERSION } });
  });

  it('refuses calls beyond alice’s authority with the scope challenge and the Legate code', async () => {
    const sent: Answer[] = [];
    const client = await connect(sent);
    try {
      const overLimit = await client.callTool({ name: 'refund', arguments: { amount: 500 } }).catch((error: unknown) => error);
      expect(overLimit).toMatchObject({ code: 403 });
      expect((overLimit as Error).message).toContain('ERR_CONSTRAINT_AMOUNT');
      let refused = sent.at(-1)!;
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toMatch(/^DPoP error="insufficient_scope".*scope="refund:billing:refunds"/);
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'insufficient_scope', code: 'ERR_CONSTRAINT_AMOUNT' });

      await expect(client.callTool({ name: 'close_account', arguments: { account: 'ACC-1' } })).rejects.toMatchObject({ code: 403 });
      refused = sent.at(-1)!;
      expect(refused.headers.get('www-authenticate')).toContain('scope="close:billing:accounts"');
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'insufficient_scope', code: 'ERR_NOT_AUTHORIZED', scope: 'close:billing:accounts' });
    } finally {
      await client.close();
    }
  });

  it('refuses the token without its DPoP key: presented as Bearer, or with a proof by another key', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const bearer = await fetch(mcpUrl, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token.accessToken}` }, body });
    expect(bearer.status).toBe(401);
    expect(await bearer.json()).toMatchObject({ error: 'invalid_token', code: 'ERR_TOKEN_INVALID' });
    const stolen = await dpopFetch({ token: token.accessToken, key: generateDpopKey() })(mcpUrl, { method: 'POST', headers, body });
    expect(stolen.status).toBe(401);
    expect(await stolen.json()).toMatchObject({ error: 'invalid_dpop_proof', code: 'ERR_DPOP_INVALID' });
  });

  it('after acme revokes alice’s credential: no new token (each capability refused ERR_REVOKED), and introspection reports the outstanding one inactive', async () => {
    const outstanding = token.accessToken;
    const introspect = async () => {
      const assertion = await createClientAssertion({ signer: mcpClient.signer, clientId: mcpClient.did, audience: `${bank.url}/oauth/introspect` });
      const form = new URLSearchParams({ token: outstanding, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
      const response = await fetch(`${bank.url}/oauth/introspect`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    };
    expect(await introspect()).toMatchObject({ active: true, client_id: aliceDid, aud: mcpUrl });

    await changeStatus(acme.node, credentialId, 'revoke');
    // Bank's token endpoint refuses every capability asked for with the revocation's code; nothing is granted.
    const refused = await askToken().catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'ERR_REVOKED', reason: 'invalid_grant' });
    expect((refused as Error).message).toContain('refused: read:billing:invoices:* ERR_REVOKED, refund:billing:refunds ERR_REVOKED');
    expect(await introspect()).toEqual({ active: false });
  });
});
