/**
 * An MCP server guarded by Legate authority, and a partner's agent calling
 * it, with the official MCP SDK on both sides (Streamable HTTP). Northwind
 * Bank runs a Legate node, its OAuth authorization server, and an MCP
 * server with two tools: `lookup_invoice` needs `read billing:invoices:*`,
 * `refund` needs `refund billing:refunds` for the amount asked. The MCP
 * server runs no Legate node: `protectMcp` checks the bank's access tokens
 * (and their DPoP proofs) on its own. Acme's agent alice, whose credential
 * allows refunds up to 100 EUR, exchanges her Legate credential for a
 * DPoP-bound token at the bank's node, lists the tools and calls them; a
 * 500 EUR refund is refused with the reason.
 *
 * Run: npm run example -- mcp-server-and-agent
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { dpopFetch, mcpHandler, protectMcp, type LegateAuthInfo } from 'legate/mcp';
import { accredit, createAgent, initNode, issueToAgent, openNode, type NodeContext } from 'legate/node';
import { dpopKeyFromPrivateJwk } from 'legate/oauth';
import { freeLoopbackPort, startServer } from 'legate/server';

export interface McpExampleResult {
  tools: string[];
  answers: string[];
  refused: { status: number; message: string };
}

export async function main(say: (line: string) => void = console.log): Promise<McpExampleResult> {
  const root = mkdtempSync(join(tmpdir(), 'legate-example-'));
  const closing: (() => Promise<unknown>)[] = [];
  try {
    // The MCP server's URL is the resource its tokens are for, so pick its port first.
    const mcpUrl = `http://127.0.0.1:${await freeLoopbackPort()}/mcp`;
    const acme = await startOrganization(root, 'acme', closing);
    const bank = await startOrganization(root, 'bank', closing, [mcpUrl]);
    await accredit(bank.node, { issuer: acme.node.organization.did, capabilities: ['read:billing:*', 'refund:billing:*'] });
    await createAgent(acme.node, { name: 'alice', owner: 'mailto:carol@acme.example' });
    await issueToAgent(acme.node, {
      agent: 'alice',
      capabilities: [
        { action: 'read', resource: 'billing:invoices:*' },
        { action: 'refund', resource: 'billing:refunds', constraints: { maxAmount: { value: 100, currency: 'EUR' } } },
      ],
    });

    // --- The bank's MCP server: each tool names the capability it needs; the guard does the rest. ---
    // Fail closed: initialize, ping, tools/list and notifications pass on a valid token; any other method
    // (resources/read, prompts/get, …) is refused unless opened with `methods: { 'resources/list': 'token', … }`.
    const guard = protectMcp({
      resource: mcpUrl,
      issuers: [bank.url],
      allowHttpLoopback: true, // loopback demo only: the bank's node is served over plain HTTP
      tools: {
        lookup_invoice: { action: 'read', resource: (args) => `billing:invoices:${String(args.id)}` },
        refund: { action: 'refund', resource: 'billing:refunds', amount: (args) => ({ value: Number(args.amount), currency: 'EUR' }) },
      },
    });
    const server = createServer(
      mcpHandler(guard, async (req, res, body) => {
        const mcp = new McpServer({ name: 'northwind-billing', version: '1.0.0' });
        const who = (auth: unknown) => (auth as LegateAuthInfo).extra.legate.attribution.join(' for ');
        mcp.registerTool('lookup_invoice', { inputSchema: { id: z.string() } }, ({ id }, extra) => text(`invoice ${id}: 40.00 EUR (asked by ${who(extra.authInfo)})`));
        mcp.registerTool('refund', { inputSchema: { amount: z.number() } }, ({ amount }) => text(`refunded ${amount} EUR`));
        // Stateless (no sessionIdGenerator): one SDK server and transport per HTTP request.
        const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
        await mcp.connect(transport);
        await transport.handleRequest(req, res, body);
      }),
    );
    await new Promise<void>((resolve) => server.listen(Number(new URL(mcpUrl).port), '127.0.0.1', resolve));
    closing.push(
      () => guard.close(),
      () => {
        server.closeAllConnections(); // the agent's kept-alive connections would hold close() for seconds
        return new Promise((resolve) => server.close(resolve));
      },
    );

    // --- Acme's agent: a DPoP-bound token from the bank's node (RFC 8693 token exchange), then MCP. ---
    const token = await acme.node.services.oauth.requestToken({ agent: 'alice', from: bank.url, resource: mcpUrl, scope: ['read:billing:invoices:*', 'refund:billing:refunds'] });
    say(`alice holds a ${token.tokenType} token for ${mcpUrl}: ${token.scope}`);
    const client = new Client({ name: 'acme-alice', version: '1.0.0' });
    const key = dpopKeyFromPrivateJwk(token.dpop!.privateJwk);
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { fetch: dpopFetch({ token: token.accessToken, key }) }));
    closing.push(() => client.close());

    const tools = (await client.listTools()).tools.map((t) => t.name);
    say(`tools: ${tools.join(', ')}`);
    const answers: string[] = [];
    for (const [name, args] of [['lookup_invoice', { id: 'INV-7' }], ['refund', { amount: 40 }]] as const) {
      const result = (await client.callTool({ name, arguments: args })) as { content: { text: string }[] };
      answers.push(result.content[0]!.text);
      say(`${name}: ${answers.at(-1)!}`);
    }
    // Beyond alice's limit: the guard answers 403 insufficient_scope with the Legate code, before the tool runs.
    const refused = await client.callTool({ name: 'refund', arguments: { amount: 500 } }).then(
      () => ({ status: 200, message: 'allowed' }),
      (error: Error & { code?: number }) => ({ status: error.code ?? 0, message: error.message }),
    );
    say(`refund 500 EUR: ${refused.status} ${refused.message}`);
    return { tools, answers, refused };
  } finally {
    for (const close of closing.reverse()) await close();
    rmSync(root, { recursive: true, force: true });
  }
}

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

/** An organization's node on loopback; `resources` are the URLs its authorization server issues tokens for. */
async function startOrganization(root: string, name: string, closing: (() => Promise<unknown>)[], resources: string[] = []): Promise<{ node: NodeContext; url: string }> {
  const port = await freeLoopbackPort();
  const dataDir = join(root, name);
  await initNode({ dataDir, domain: `localhost:${port}`, name });
  const node = await openNode({ dataDir, allowHttpLoopback: true, oauth: { resources } });
  const server = await startServer({ node, port });
  closing.push(() => server.close());
  return { node, url: `http://localhost:${port}` };
}
