// acme's credential inventory over HTTP (GET /admin/credentials, GET /admin/credentials/{id}), in
// process (app.request), behind the admin bearer token, with a real SQLite file.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { changeStatus } from '../../src/node/status.js';
import { createApp } from '../../src/server/app.js';

const OWNER = 'mailto:carol@acme.example';
let node: NodeContext;
let token: string;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'legate-admin-inventory-')), 'acme');
  await initNode({ dataDir, domain: 'acme.example' });
  token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
  node = await openNode({ dataDir });
  app = createApp({ node, onUnexpectedError: () => undefined });
  await createAgent(node, { name: 'alice', owner: OWNER });
  await createAgent(node, { name: 'bob', owner: OWNER });
});
afterEach(() => node.close());

const get = (path: string, auth = `Bearer ${token}`) => app.request(path, { headers: { authorization: auth } });

async function problemOf(path: string): Promise<{ status: number; type: string | null; code: unknown }> {
  const res = await get(path);
  return { status: res.status, type: res.headers.get('content-type'), code: ((await res.json()) as { code?: unknown }).code };
}

describe('GET /admin/credentials', () => {
  it('lists, filters and pages the inventory', async () => {
    const a = await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }], validFor: 'P2D' });
    const b = await issueToAgent(node, { agent: 'bob', capabilities: [{ action: 'read', resource: 'crm:*' }], validFor: 'P30D' });
    await changeStatus(node, b.id, 'revoke');

    const all = (await (await get('/admin/credentials')).json()) as { credentials: { id: string; state: string }[]; cursor?: string };
    expect(all.credentials.map((c) => [c.id, c.state])).toEqual([
      [a.id, 'active'],
      [b.id, 'revoked'],
    ]);
    expect(all.cursor).toBeUndefined();
    const ids = async (query: string) => ((await (await get(`/admin/credentials?${query}`)).json()) as { credentials: { id: string }[] }).credentials.map((c) => c.id);
    expect(await ids('agent=alice')).toEqual([a.id]);
    expect(await ids('status=revoked')).toEqual([b.id]);
    expect(await ids('expiringWithin=7d')).toEqual([a.id]);
    expect(await ids('expiringWithin=P1D')).toEqual([]);
    const first = (await (await get('/admin/credentials?limit=1')).json()) as { credentials: { id: string }[]; cursor: string };
    expect(first.credentials.map((c) => c.id)).toEqual([a.id]);
    expect(await ids(`limit=1&cursor=${first.cursor}`)).toEqual([b.id]);
  });

  it('shows one credential by id, encoded or not', async () => {
    const a = await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
    for (const path of [`/admin/credentials/${a.id}`, `/admin/credentials/${encodeURIComponent(a.id)}`]) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: a.id, agent: 'alice', state: 'active', chain: [], token: a.jwt });
    }
  });

  it('requires the admin token', async () => {
    for (const path of ['/admin/credentials', '/admin/credentials/urn:uuid:x']) {
      const res = await get(path, 'Bearer wrong');
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'ERR_UNAUTHORIZED' });
    }
  });

  it('refuses bad filters and unknown ids with problem details and their codes', async () => {
    const invalid = { status: 400, type: 'application/problem+json', code: 'ERR_INVALID_ARGUMENT' };
    for (const query of ['status=lost', 'limit=0', 'limit=501', 'limit=ten', 'expiringWithin=soon', 'cursor=!!', 'colour=red', 'agent=alice&agent=bob']) {
      expect(await problemOf(`/admin/credentials?${query}`), query).toEqual(invalid);
    }
    expect(await problemOf('/admin/credentials?agent=mallory')).toEqual({ status: 404, type: 'application/problem+json', code: 'ERR_NOT_FOUND' });
    expect(await problemOf('/admin/credentials/urn:uuid:00000000-0000-4000-8000-000000000000')).toEqual({
      status: 404,
      type: 'application/problem+json',
      code: 'ERR_NOT_FOUND',
    });
  });
});
