// acme's node over HTTP, in process (app.request), with a real SQLite file.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { createApp } from '../../src/server/app.js';
import { startServer } from '../../src/server/serve.js';

const OWNER = 'mailto:carol@acme.example';
let node: NodeContext;
let token: string;
let app: ReturnType<typeof createApp>;
let dataDir: string;

beforeEach(async () => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'legate-app-')), 'acme');
  await initNode({ dataDir, domain: 'acme.example' });
  token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  node = await openNode({ dataDir });
  app = createApp({ node, maxBodyBytes: 4096, onUnexpectedError: () => undefined });
});
afterEach(() => node.close());

const admin = (path: string, body?: unknown, auth = `Bearer ${token}`) =>
  app.request(path, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });

describe('node HTTP app', () => {
  it('serves health and the organization DID document', async () => {
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok', did: 'did:web:acme.example' });
    const res = await app.request('/.well-known/did.json');
    expect(res.headers.get('content-type')).toBe('application/did+json');
    expect(await res.json()).toMatchObject({ id: 'did:web:acme.example', assertionMethod: ['did:web:acme.example#key-1'] });
  });

  it("serves agents' DID documents, and 404 problems for unknown ones", async () => {
    await createAgent(node, { name: 'alice', owner: OWNER });
    expect(await (await app.request('/agents/alice/did.json')).json()).toMatchObject({ id: 'did:web:acme.example:agents:alice', controller: 'did:web:acme.example' });
    const missing = await app.request('/agents/nobody/did.json');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(await missing.json()).toMatchObject({ status: 404, code: 'ERR_NOT_FOUND' });
    expect(await (await app.request('/no/such/route')).json()).toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('requires the admin token, compared in constant time', async () => {
    // A malformed header (hono's bearerAuth would answer 400) and an over-long token get the same 401 problem.
    for (const auth of ['', 'Bearer wrong', `Basic ${token}`, `Bearer ${token}x`, `Bearer ${token} x`, 'Bearer', `Bearer ${'a'.repeat(600)}`]) {
      const res = await admin('/admin/agents', { name: 'alice', owner: OWNER }, auth);
      expect(res.status, auth).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'ERR_UNAUTHORIZED' });
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    }
    expect(await node.store.getAgent('alice')).toBeUndefined();
  });

  it('issues and revokes through admin routes; the status list is served with an ETag and revalidates with 304', async () => {
    expect((await admin('/admin/agents', { name: 'alice', owner: OWNER })).status).toBe(201);
    const issued = (await (await admin('/admin/credentials', { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }] })).json()) as {
      id: string;
      credential: { credentialStatus: { statusListCredential: string }[] };
    };
    const path = new URL(issued.credential.credentialStatus[0]!.statusListCredential).pathname;
    const first = await app.request(path);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/vc+jwt');
    expect(first.headers.get('cache-control')).toBe('public, max-age=300');
    const etag = first.headers.get('etag')!;
    const unchanged = await app.request(path, { headers: { 'if-none-match': etag } });
    expect(unchanged.status).toBe(304);
    expect([unchanged.headers.get('etag'), unchanged.headers.get('cache-control'), await unchanged.text()]).toEqual([etag, 'public, max-age=300', '']);
    const revoked = await admin(`/admin/credentials/${encodeURIComponent(issued.id)}/revoke`);
    expect(await revoked.json()).toMatchObject({ purpose: 'revocation', version: 2 });
    const after = await app.request(path, { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect((await app.request('/status/r-not-a-list')).status).toBe(404);
  });

  it('rejects malformed, oversized and invalid admin requests with problem details', async () => {
    const bad = await app.request('/admin/agents', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{not json' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'ERR_MALFORMED' });
    const big = await admin('/admin/agents', { name: 'alice', owner: OWNER, pad: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
    expect(await (await admin('/admin/agents', [1, 2])).json()).toMatchObject({ code: 'ERR_MALFORMED' });
    expect(await (await admin('/admin/agents', { name: 'Alice!', owner: OWNER })).json()).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await admin('/admin/agents', { name: 'alice', owner: OWNER });
    expect((await admin('/admin/agents', { name: 'alice', owner: OWNER })).status).toBe(409);
    expect(await (await admin('/admin/credentials', { agent: 'alice', capabilities: [{ action: 'a b', resource: 'x' }] })).json()).toMatchObject({ code: 'ERR_SCHEMA' });
    expect(await (await admin('/admin/credentials/urn:uuid:nope/revoke')).json()).toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('delegates, suspends, reinstates and retires through admin routes', async () => {
    await admin('/admin/agents', { name: 'alice', owner: OWNER });
    const helper = (await (await admin('/admin/agents', { name: 'helper', owner: OWNER, method: 'key' })).json()) as { did: string };
    const root = (await (await admin('/admin/credentials', {
      agent: 'alice',
      capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } }],
      delegation: { depth: 0, maxDepth: 1 },
    })).json()) as { id: string };
    const child = await admin('/admin/delegations', { from: 'alice', credential: root.id, to: helper.did, capability: { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 10, currency: 'USD' } } } });
    expect(child.status).toBe(201);
    expect(await child.json()).toMatchObject({ credential: { issuer: 'did:web:acme.example:agents:alice', credentialSubject: { id: helper.did } } });
    const wider = await admin('/admin/delegations', { from: 'alice', credential: root.id, to: helper.did, capability: { action: 'call', resource: 'billing:payout' } });
    expect(wider.status).toBe(403);
    expect(await wider.json()).toMatchObject({ code: 'ERR_CAPABILITY_WIDENED' });
    expect(await (await admin('/admin/delegations', { from: 'alice', credential: root.id, to: helper.did })).json()).toMatchObject({ code: 'ERR_SCHEMA' });
    const id = encodeURIComponent(root.id);
    expect(await (await admin(`/admin/credentials/${id}/suspend`)).json()).toMatchObject({ purpose: 'suspension' });
    expect(await (await admin(`/admin/credentials/${id}/reinstate`)).json()).toMatchObject({ purpose: 'suspension' });
    const retired = (await (await admin('/admin/agents/alice/retire')).json()) as { revoked: string[]; agent: { status: string } };
    expect(retired.agent.status).toBe('retired');
    expect(retired.revoked).toHaveLength(2);
    expect((await admin(`/admin/credentials/${id}/reinstate`)).status).toBe(409);
  });

  it('retires onto a replacement and runs the renewal job through admin routes', async () => {
    await admin('/admin/agents', { name: 'rita', owner: OWNER });
    await admin('/admin/agents', { name: 'sam', owner: OWNER });
    const issued = (await (await admin('/admin/credentials', { agent: 'rita', capabilities: [{ action: 'read', resource: 'billing:invoices' }] })).json()) as { id: string };
    const retired = await admin('/admin/agents/rita/retire', { reassignTo: 'sam' });
    expect(retired.status).toBe(200);
    const body = (await retired.json()) as { reassigned: { from: string; to: string }[]; revoked: string[] };
    expect(body.reassigned).toMatchObject([{ from: issued.id }]);
    expect(body.revoked).toEqual([issued.id]);
    expect(await (await admin('/admin/agents/sam/retire', { reassignTo: 'rita' })).json()).toMatchObject({ code: 'ERR_CONFLICT' });
    // No renewal policy on this node: nothing is ever due.
    expect(await (await admin('/admin/renewals', { dryRun: true })).json()).toEqual({ ran: true, renewed: [], failed: [], more: false });
    expect(await (await admin('/admin/renewals', { agent: 'nobody' })).json()).toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('exposes Prometheus metrics', async () => {
    await app.request('/healthz');
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('# TYPE legate_http_requests_total counter');
    expect(text).toMatch(/legate_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
  });

  it('bounds request bodies over real HTTP, whether their length is declared or streamed', async () => {
    const other = await openNode({ dataDir });
    const server = await startServer({ node: other, port: 0, maxBodyBytes: 4096 });
    try {
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const body = JSON.stringify({ name: 'alice', owner: OWNER, pad: 'x'.repeat(5000) });
      const declared = await fetch(`${server.url}/admin/agents`, { method: 'POST', headers, body });
      expect(declared.status).toBe(413);
      expect(await declared.json()).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
      const chunks = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 3; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(2000)));
          controller.close();
        },
      });
      const streamed = await fetch(`${server.url}/admin/agents`, { method: 'POST', headers, body: chunks, duplex: 'half' });
      expect(streamed.status).toBe(413);
      expect(await streamed.json()).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
      const small = await fetch(`${server.url}/admin/agents`, { method: 'POST', headers, body: JSON.stringify({ name: 'alice', owner: OWNER }) });
      expect(small.status).toBe(201);
    } finally {
      await server.close();
    }
  });

  it('serves over real HTTP on loopback and shuts down gracefully', async () => {
    const other = await openNode({ dataDir });
    const server = await startServer({ node: other, port: 0 });
    const res = await fetch(`${server.url}/.well-known/did.json`);
    expect(res.status).toBe(200);
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    await expect(other.store.getOrganization()).rejects.toMatchObject({ code: 'ERR_STORE' });
  });
});
