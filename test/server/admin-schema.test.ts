// acme's node over HTTP, in process: every admin body is checked against its schema in schemas/admin-*.json,
// so an unknown or misspelt field is a 400 ERR_SCHEMA, never silently dropped (mallory's "constrains" included).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { createApp } from '../../src/server/app.js';
import { bob, NOW } from '../fixtures.js';

const OWNER = 'mailto:carol@acme.example';
const refund = { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } };
const clock = () => new Date(NOW.getTime());
let node: NodeContext;
let token: string;
let app: ReturnType<typeof createApp>;
let parent: string;

beforeEach(async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-admin-schema-')), 'acme');
  await initNode({ dataDir, domain: 'acme.example', clock });
  token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  node = await openNode({ dataDir, clock });
  app = createApp({ node, maxBodyBytes: 64 * 1024, onUnexpectedError: () => undefined });
  await createAgent(node, { name: 'alice', owner: OWNER });
  await createAgent(node, { name: 'helper', owner: OWNER, method: 'key' });
  parent = (await issueToAgent(node, { agent: 'alice', capabilities: [refund], delegation: { depth: 0, maxDepth: 1 } })).id;
});
afterEach(() => node.close());

const post = (path: string, body?: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });

async function refused(path: string, body: unknown): Promise<{ code: string; detail: string }> {
  const res = await post(path, body);
  expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
  return (await res.json()) as { code: string; detail: string };
}

describe('admin request bodies', () => {
  it('refuses an unknown field on every admin route with 400 ERR_SCHEMA naming it', async () => {
    const delegation = { from: 'alice', credential: parent, to: bob.did, capability: { action: 'call', resource: 'billing:refund' } };
    const cases: [string, unknown, string][] = [
      ['/admin/agents', { name: 'bob', owner: OWNER, role: 'admin' }, "(root) has an unknown property 'role'"],
      ['/admin/credentials', { agent: 'alice', capabilities: [refund], constrains: { maxAmount: { value: 1, currency: 'USD' } } }, "(root) has an unknown property 'constrains'"],
      ['/admin/credentials', { agent: 'alice', capabilities: [{ ...refund, scpoe: 'own' }] }, "/capabilities/0 has an unknown property 'scpoe'"],
      ['/admin/credentials', { agent: 'alice', capabilities: [refund], constraints: { maxAmmount: { value: 1, currency: 'USD' } } }, "/constraints has an unknown property 'maxAmmount'"],
      ['/admin/delegations', { ...delegation, maxdepth: 1 }, "(root) has an unknown property 'maxdepth'"],
      ['/admin/delegations', { ...delegation, capability: { ...delegation.capability, constraint: {} } }, "/capability has an unknown property 'constraint'"],
      ['/admin/agents/alice/retire', { force: true }, "(root) has an unknown property 'force'"],
      [`/admin/credentials/${encodeURIComponent(parent)}/revoke`, { reason: 'compromised' }, "(root) has an unknown property 'reason'"],
    ];
    for (const [path, body, detail] of cases) {
      const problem = await refused(path, body);
      expect(problem.code, path).toBe('ERR_SCHEMA');
      expect(problem.detail, path).toContain(detail);
    }
    // Nothing was done: no agent bob, alice still active, no credential issued or delegated.
    expect((await node.store.listAgents()).map((a) => [a.name, a.status])).toEqual([['alice', 'active'], ['helper', 'active']]);
    expect((await node.store.listCredentials()).map((c) => c.id)).toEqual([parent]);
  });

  it('refuses wrong types and missing fields with ERR_SCHEMA', async () => {
    for (const [path, body] of [
      ['/admin/agents', { name: 'bob' }],
      ['/admin/agents', { name: 'bob', owner: OWNER, method: 'ion' }],
      ['/admin/credentials', { agent: 'alice', capabilities: [] }],
      ['/admin/credentials', { agent: 'alice', capabilities: [refund], delegation: { depth: 0, maxDepth: '1' } }],
      ['/admin/delegations', { from: 'alice', credential: parent, to: bob.did }],
      ['/admin/delegations', { from: 'alice', credential: parent, to: bob.did, capability: refund, capabilities: [refund] }],
      ['/admin/delegations', { from: 'alice', credential: parent, to: bob.did, capability: refund, maxDepth: -1 }],
    ] as const) {
      expect((await refused(path, body)).code, `${path} ${JSON.stringify(body)}`).toBe('ERR_SCHEMA');
    }
  });

  it('refuses an unknown field and a wrong type on every admin route, table-driven over the routes the app declares', async () => {
    const credential = encodeURIComponent(parent);
    const delegation = { from: 'alice', credential: parent, to: bob.did, capability: { action: 'call', resource: 'billing:refund' } };
    // route pattern -> [path, a body with an unknown field, a body with a wrong type, what the refusal names].
    // Routes that take no body have no field to mistype: a body that is not an object is ERR_MALFORMED there.
    const table: Record<string, [string, unknown, unknown, string, string]> = {
      '/admin/agents': ['/admin/agents', { name: 'bob', owner: OWNER, admin: true }, { name: 'bob', owner: 7 }, 'ERR_SCHEMA', '/owner must be string'],
      '/admin/agents/:name/retire': ['/admin/agents/alice/retire', { force: true }, { reassignTo: 7 }, 'ERR_SCHEMA', '/reassignTo must be string'],
      '/admin/renewals': ['/admin/renewals', { all: true }, { dryRun: 'yes' }, 'ERR_SCHEMA', '/dryRun must be boolean'],
      '/admin/credentials': ['/admin/credentials', { agent: 'alice', capabilities: [refund], format: 'di' }, { agent: 'alice', capabilities: [refund], validFor: 30 }, 'ERR_SCHEMA', '/validFor must be string'],
      '/admin/delegations': ['/admin/delegations', { ...delegation, format: 'di' }, { ...delegation, maxDepth: 'one' }, 'ERR_SCHEMA', '/maxDepth must be integer'],
      '/admin/credentials/:id/:change{revoke|suspend|reinstate}': [`/admin/credentials/${credential}/suspend`, { note: 'x' }, 'suspend', 'ERR_MALFORMED', 'must be a JSON object'],
      '/admin/keys/rotate': ['/admin/keys/rotate', { agnet: 'alice' }, { agent: 7 }, 'ERR_SCHEMA', '/agent must be string'],
      '/admin/keys/revoke': ['/admin/keys/revoke', { kid: 'did:web:acme.example#key-1', compromisedSince: '2026-03-01T00:00:00Z', force: true }, { kid: 1, compromisedSince: '2026-03-01T00:00:00Z' }, 'ERR_SCHEMA', '/kid must be string'],
      '/admin/keys/retire': ['/admin/keys/retire', { all: true }, [], 'ERR_MALFORMED', 'must be a JSON object'],
      '/admin/operators': ['/admin/operators', { name: 'erin', role: 'viewer', password: 'long-enough-password', email: 'e' }, { name: 'erin', role: 'viewer', password: 12 }, 'ERR_SCHEMA', '/password must be string'],
    };
    const declared = app.routes.filter((r) => r.method === 'POST' && r.path.startsWith('/admin/')).map((r) => r.path);
    expect(new Set(declared)).toEqual(new Set(Object.keys(table)));
    for (const [route, [path, unknownField, wrongType, code, detail]] of Object.entries(table)) {
      const unknown = await refused(path, unknownField);
      expect(unknown.code, route).toBe('ERR_SCHEMA');
      expect(unknown.detail, route).toMatch(/\(root\) has an unknown property '\w+'/);
      const wrong = await refused(path, wrongType);
      expect(wrong.code, route).toBe(code);
      expect(wrong.detail, route).toContain(detail);
    }
    expect((await node.store.listAgents()).map((a) => [a.name, a.status])).toEqual([['alice', 'active'], ['helper', 'active']]);
    expect((await node.store.listCredentials()).map((c) => c.id)).toEqual([parent]);
  });

  it('refuses a JSON body sent as another media type (hono would read it as {}), and accepts an empty body where none is taken', async () => {
    const res = await app.request('/admin/agents/alice/retire', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: '{"force":true}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'ERR_MALFORMED', detail: 'the request body must be sent as application/json' });
    const empty = await app.request('/admin/agents/alice/retire', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '' });
    expect(empty.status).toBe(200);
  });

  it('accepts the seed credential, several delegated capabilities, a local agent name, and empty bodies', async () => {
    const seed = await post('/admin/credentials', {
      agent: 'alice',
      agentVersion: '2.3',
      capabilities: [
        { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' },
        refund,
        { action: 'close', resource: 'billing:account_closure', constraints: { requireApproval: true } },
        { action: 'escalate', resource: 'human:*' },
      ],
      constraints: { timeWindow: { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '09:00', end: '17:00', timeZone: 'Europe/Paris' } },
      delegation: { depth: 0, maxDepth: 1 },
      validFor: 'P7D',
    });
    expect(seed.status).toBe(201);
    const { id } = (await seed.json()) as { id: string };
    const child = await post('/admin/delegations', {
      from: 'alice',
      credential: id,
      to: 'helper',
      capabilities: [{ action: 'read', resource: 'crm:customer_records' }, { action: 'escalate', resource: 'human:supervisor' }],
    });
    expect(child.status).toBe(201);
    expect(await child.json()).toMatchObject({
      credential: {
        credentialSubject: {
          capabilities: [
            { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' },
            { action: 'escalate', resource: 'human:supervisor' },
          ],
          constraints: { timeWindow: { start: '09:00' } },
        },
      },
    });
    expect((await post(`/admin/credentials/${encodeURIComponent(id)}/suspend`, {})).status).toBe(200);
    expect((await post(`/admin/credentials/${encodeURIComponent(id)}/reinstate`)).status).toBe(200);
  });
});
