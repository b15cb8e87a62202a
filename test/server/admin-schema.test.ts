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
