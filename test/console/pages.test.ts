// The console's pages over HTTP, on acme with an injected clock and a guard that signs in a fixed operator (the
// real guard, console/auth, is tested on its own): every page renders under the strict CSP, a payload in an
// agent's owner is text and never markup, a change takes two steps (a confirmation
// page, then the change, audited with the operator's name), and an error is a page carrying only its code.
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consoleRoutes, type ConsoleEnv, type ConsoleGuard, type ConsoleOperator } from '../../src/console/index.js';
import { roleAtLeast } from '../../src/node/operators/roles.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { issueToAgent } from '../../src/node/issue.js';
import { NOW } from '../fixtures.js';
import { acmeWithAlice } from '../node/acme.js';
import { legate } from '../cli/helpers.js';
import { openNode } from '../../src/node/open.js';

const XSS_OWNER = 'mailto:<script>alert(document.domain)</script>@acme.example';
const CSRF = 'csrf-token-of-the-test-session';

let now: Date;
let node: NodeContext;
let dataDir: string;
let operator: ConsoleOperator;

/** Signs in `operator` for every request, refusing (403, as the real guard does) a role below `minRole`. */
const testGuard: ConsoleGuard = (minRole) => async (c, next) => {
  if (!roleAtLeast(operator.role, minRole)) return c.json({ code: 'ERR_OPERATOR_ROLE' }, 403);
  c.set('operator', operator);
  c.set('csrfToken', CSRF);
  await next();
};

function app(): Hono<ConsoleEnv> {
  const root = new Hono<ConsoleEnv>();
  root.route('/console', consoleRoutes({ node, maxBodyBytes: 64 * 1024, guard: testGuard }));
  return root;
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

beforeEach(async () => {
  now = new Date(NOW.getTime());
  ({ node, dataDir } = await acmeWithAlice('legate-console-pages-', () => new Date(now.getTime())));
  operator = { name: 'dana', role: 'admin' };
});
afterEach(() => node.close());

describe('the console pages', () => {
  it('renders every page for a viewer, under the strict CSP', async () => {
    operator = { name: 'victor', role: 'viewer' };
    await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } }] });
    for (const path of ['/console/agents', '/console/agents/alice', '/console/federation', '/console/decisions', '/console/charts', '/console/alerts']) {
      const response = await app().request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-security-policy'), path).toContain("default-src 'none'");
      const body = await response.text();
      expect(body, path).toContain('victor');
      expect(body, path).not.toMatch(/<script>|style="/);
    }
    const page = await (await app().request('/console/decisions')).text();
    const cursor = /data-cursor="([^"]+)"/.exec(page)?.[1];
    expect(cursor).toBeDefined();
    const feed = await app().request(`/console/decisions.json?after=${encodeURIComponent(cursor!.replace(/&amp;/g, '&'))}`);
    expect(feed.status).toBe(200);
    const polled = (await feed.json()) as { decisions: unknown[]; cursor: unknown };
    expect(polled.decisions).toEqual([]);
    expect(typeof polled.cursor).toBe('string');
    const missing = await app().request('/console/decisions.json');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('shows an owner carrying markup as text', async () => {
    await createAgent(node, { name: 'mallory', owner: XSS_OWNER });
    await issueToAgent(node, { agent: 'mallory', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
    for (const path of ['/console/agents', '/console/agents/mallory']) {
      const body = await (await app().request(path)).text();
      expect(body, path).not.toContain('<script>alert');
      expect(body, path).toContain('&lt;script&gt;alert(document.domain)&lt;/script&gt;');
    }
  });

  it('revokes a credential in two steps, audited with the operator name', async () => {
    const { id } = await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
    const confirm = await app().request('/console/actions', form({ kind: 'revoke', target: id, reason: 'key leaked', csrf: CSRF }));
    expect(confirm.status).toBe(200);
    const page = await confirm.text();
    expect(page).toContain('data-confirm-kind="revoke"');
    expect(page).toContain('name="confirm" value="yes"');
    expect(await (await app().request('/console/agents/alice')).text()).not.toContain('badge revoked');

    const done = await app().request('/console/actions', form({ kind: 'revoke', target: id, reason: 'key leaked', confirm: 'yes', csrf: CSRF }));
    expect(done.status).toBeLessThan(400);
    const [last] = await node.store.listAuditChains();
    expect(JSON.parse(last!.entry)).toMatchObject({ action: 'revoke', details: { operator: 'dana', reason: 'key leaked' } });
    expect(await (await app().request('/console/agents/alice')).text()).toContain('badge revoked');
  });

  it('answers an unknown target with a page carrying its code', async () => {
    const response = await app().request('/console/actions', form({ kind: 'revoke', target: 'urn:uuid:nope', csrf: CSRF }));
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('data-error="ERR_NOT_FOUND"');
    const agent = await app().request('/console/agents/nobody');
    expect(agent.status).toBe(404);
  });

  it('lists open alerts and acknowledges one with the operator named', async () => {
    operator = { name: 'erin', role: 'approver' };
    for (let i = 0; i < 11; i++) node.services.alerts.observe({ kind: 'auth_failed', peer: 'ip:198.51.100.66' });
    await node.services.alerts.settled();
    const page = await (await app().request('/console/alerts')).text();
    expect(page).toContain('data-alert-rule="failed-auth"');
    const id = /name="id" value="([^"]+)"/.exec(page)![1]!;
    expect((await app().request('/console/alerts/ack', form({ id, csrf: CSRF }))).status).toBe(303);
    expect(await node.store.getAlert(id)).toMatchObject({ acknowledgedBy: 'erin' });
    expect(await (await app().request('/console/alerts')).text()).not.toContain('data-alert-rule="failed-auth"');
    const unknown = await app().request('/console/alerts/ack', form({ id: 'urn:uuid:nope', csrf: CSRF }));
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('data-error="ERR_NOT_FOUND"');
  });

  it('shows operators to an admin only', async () => {
    expect((await app().request('/console/operators')).status).toBe(200);
    operator = { name: 'victor', role: 'viewer' };
    expect((await app().request('/console/operators')).status).toBe(403);
  });

  it('holds a revocation for a second admin under the policy, confirmed on the Changes page', async () => {
    const { id } = await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
    await node.close();
    expect((await legate(['--data', dataDir, 'config', 'set', 'operators.secondPerson', '["revoke"]'])).code).toBe(0);
    node = await openNode({ dataDir, clock: () => new Date(now.getTime()) });
    const asked = await app().request('/console/actions', form({ kind: 'revoke', target: id, reason: 'audit finding', confirm: 'yes', csrf: CSRF }));
    expect(await asked.text()).toContain('data-outcome="pending"');
    const page = await (await app().request('/console/changes')).text();
    const change = /data-change="([^"]+)" data-status="pending"/.exec(page)![1]!;
    const self = await app().request('/console/changes/decide', form({ id: change, verdict: 'confirm', csrf: CSRF }));
    expect(await self.text()).toContain('data-error="ERR_SECOND_PERSON"');
    operator = { name: 'erin', role: 'admin' };
    expect((await app().request('/console/changes/decide', form({ id: change, verdict: 'confirm', csrf: CSRF }))).status).toBe(303);
    expect(await (await app().request('/console/agents/alice')).text()).toContain('badge revoked');
  });

  it('refuses a viewer a change', async () => {
    operator = { name: 'victor', role: 'viewer' };
    const { id } = await issueToAgent(node, { agent: 'alice', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
    const response = await app().request('/console/actions', form({ kind: 'revoke', target: id, confirm: 'yes', csrf: CSRF }));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'ERR_OPERATOR_ROLE' });
  });
});
