// A fleet on loopback: Northwind Bank (did:web:localhost%3A<port 1>) runs as two instances, each its own
// data directory (a copy of the key files) and HTTP server, both on one PostgreSQL database. The partner,
// Helpdesk Tools (SQLite), has its agent customer-support talk to the bank's teller:
//   - the handshake goes to instance 1 (the port the bank's DID names), the actions under it to instance 2;
//   - one signed action sent to both at once is accepted once;
//   - 16 refunds of 10 USD against a 100 USD budget, split across both, allow exactly 10;
//   - the bank withdraws the partner's accreditation through instance 1: instance 2 refuses the next action;
//   - the bank revokes its own clerk's credential through instance 1: instance 2 refuses the clerk's next action;
//     (each once instance 2 has the change notice: it keeps its own lists while its change stamp stays the same)
//   - the audit log both instances wrote verifies from either.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createSignedAction } from '../../src/action/create.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { handshake } from '../../src/node/peer.js';
import { changeStatus } from '../../src/node/status.js';
import { accredit, removeRegistryEntry } from '../../src/node/registry.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { freePort, startNode, type RunningNode } from '../helpers/federation.js';
import { describePostgres, freshDatabase, type FreshDatabase } from '../helpers/postgres.js';

interface Instance {
  node: NodeContext;
  server: RunningServer;
  url: string;
}

describePostgres('a fleet: two instances of one organization on one PostgreSQL database', () => {
  let root: string;
  let db: FreshDatabase;
  const fleet: Instance[] = [];
  let support: RunningNode;
  let teller: string;

  /** An action signed by customer-support under its session with the teller. */
  async function signed(resource: string, amount?: number): Promise<string> {
    const agent = (await support.node.store.getAgent('customer-support'))!;
    const session = (await support.node.store.getPeerSession('customer-support', teller))!;
    const action = await createSignedAction({
      signer: await support.node.keys.signer(agent.kid),
      audience: teller,
      session: session.token,
      action: 'call',
      resource,
      ...(amount === undefined ? {} : { params: { amount: { value: amount, currency: 'USD' } } }),
    });
    return action.token;
  }

  /** Runs `change`, then waits until instance 2 has its notice (milliseconds; store/postgres/changes). */
  async function changedOnSecond(change: () => Promise<unknown>): Promise<void> {
    const before = fleet[1]!.node.store.changeStamp?.();
    expect(before).toBeDefined();
    await change();
    await vi.waitFor(() => expect(fleet[1]!.node.store.changeStamp?.()).not.toBe(before), { timeout: 20_000, interval: 10 });
  }

  async function send(instance: Instance, token: string): Promise<{ status: number; body: { decision?: string; code?: string; reasons?: { code: string }[] } }> {
    const response = await fetch(`${instance.url}/actions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: token }) });
    return { status: response.status, body: (await response.json()) as { decision?: string; code?: string } };
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'legate-fleet-'));
    db = await freshDatabase();
    const ports = [await freePort(), await freePort()];
    const dirs = [join(root, 'bank-1'), join(root, 'bank-2')];
    await initNode({ dataDir: dirs[0]!, domain: `localhost:${ports[0]}`, name: 'Northwind Bank', database: db.url });
    // The second instance: the same sealing (a copy of the key files), the same database.
    mkdirSync(dirs[1]!, { mode: 0o700 });
    for (const file of ['keystore.json', 'master.key']) copyFileSync(join(dirs[0]!, file), join(dirs[1]!, file));
    for (const [i, dataDir] of dirs.entries()) {
      const node = await openNode({ dataDir, database: db.url, databasePoolSize: 4, allowHttpLoopback: true, sessionLifetimeSeconds: 3600 });
      const server = await startServer({ node, port: ports[i]!, onUnexpectedError: () => undefined });
      fleet.push({ node, server, url: server.url });
    }
    const [bank] = fleet;
    support = await startNode('support', { root });
    await accredit(bank!.node, { issuer: support.did, capabilities: ['call:billing:*'], maxDelegationDepth: 1 });
    await accredit(support.node, { issuer: bank!.node.organization.did, capabilities: ['serve:billing:*'] });
    teller = (await createAgent(bank!.node, { name: 'teller', owner: 'mailto:ops@northwind.example' })).did;
    await issueToAgent(bank!.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });

    const carol = await createAgent(support.node, { name: 'carol', owner: 'mailto:carol@helpdesk.example', method: 'key' });
    await createAgent(support.node, { name: 'customer-support', owner: carol.did });
    await issueToAgent(support.node, {
      agent: 'customer-support',
      capabilities: [
        { action: 'call', resource: 'billing:refund', constraints: { budget: { value: 100, currency: 'USD', period: 'P1D' } } },
        { action: 'call', resource: 'billing:lookup' },
      ],
    });
  });

  afterAll(async () => {
    await Promise.all(fleet.map((instance) => instance.server.close()));
    await support?.server.close();
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('opens a handshake on instance 1 and continues it on instance 2', async () => {
    const result = await handshake(support.node, { agent: 'customer-support', peer: teller });
    expect(result.trusted.map((t) => t.resource).sort()).toEqual(['billing:lookup', 'billing:refund']);
    expect(result.session?.id).toMatch(/^urn:uuid:/);
    // The partner reached the bank at the port its DID names: instance 1.
    expect(new URL((await support.node.store.getPeerSession('customer-support', teller))!.endpoint).port).toBe(new URL(fleet[0]!.url).port);
    const onSecond = await send(fleet[1]!, await signed('billing:lookup'));
    expect(onSecond).toMatchObject({ status: 200, body: { decision: 'allow' } });
    expect(await send(fleet[0]!, await signed('billing:lookup'))).toMatchObject({ status: 200, body: { decision: 'allow' } });
  });

  it('accepts one signed action sent to both instances at once only once', async () => {
    for (let round = 0; round < 3; round++) {
      const token = await signed('billing:lookup');
      const answers = await Promise.all(fleet.map((instance) => send(instance, token)));
      expect(answers.filter((a) => a.status === 200 && a.body.decision === 'allow')).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409)).toEqual([{ status: 409, body: expect.objectContaining({ code: 'ERR_REPLAY' }) as unknown }]);
    }
  });

  it('never exceeds a budget with spending split across both instances', async () => {
    const tokens = await Promise.all(Array.from({ length: 16 }, () => signed('billing:refund', 10)));
    const answers = await Promise.all(tokens.map((token, i) => send(fleet[i % 2]!, token)));
    const allowed = answers.filter((a) => a.body.decision === 'allow');
    expect(allowed).toHaveLength(10);
    for (const denied of answers.filter((a) => a.body.decision !== 'allow')) {
      expect(denied).toMatchObject({ status: 200, body: { decision: 'deny', reasons: [{ code: 'ERR_BUDGET_EXCEEDED' }] } });
    }
    // Spend recorded once per allowed action: the next refund, at either instance, is over the budget.
    for (const instance of fleet) expect((await send(instance, await signed('billing:refund', 1))).body.decision).toBe('deny');
  });

  it('refuses at instance 2 the next action after the accreditation is withdrawn through instance 1', async () => {
    expect((await send(fleet[1]!, await signed('billing:lookup'))).body.decision).toBe('allow');
    await changedOnSecond(() => removeRegistryEntry(fleet[0]!.node, support.did));
    const refused = await send(fleet[1]!, await signed('billing:lookup'));
    expect(refused.body.decision).toBe('deny');
    expect(JSON.stringify(refused.body.reasons)).toContain('ERR_UNTRUSTED_ISSUER');
  });

  it('refuses at instance 2 the next action under a credential revoked through instance 1', async () => {
    // The bank's own clerk holds a credential the bank issued; its status list lives in the shared database.
    const one = fleet[0]!.node;
    const clerk = await createAgent(one, { name: 'clerk', owner: 'mailto:ops@northwind.example' });
    const credential = await issueToAgent(one, { agent: 'clerk', capabilities: [{ action: 'call', resource: 'billing:lookup' }] });
    expect((await handshake(one, { agent: 'clerk', peer: teller })).session?.id).toMatch(/^urn:uuid:/);
    const action = async () => {
      const session = (await one.store.getPeerSession('clerk', teller))!;
      const token = (await createSignedAction({ signer: await one.keys.signer(clerk.kid), audience: teller, session: session.token, action: 'call', resource: 'billing:lookup' })).token;
      return send(fleet[1]!, token);
    };
    expect((await action()).body.decision).toBe('allow');
    await changedOnSecond(() => changeStatus(one, credential.id, 'revoke'));
    const refused = await action();
    expect(refused.body.decision).toBe('deny');
    expect(JSON.stringify(refused.body.reasons)).toContain('ERR_REVOKED');
  });

  it('gives every credential either instance issues its own status indexes, each instance taking positions ahead', async () => {
    // Each instance holds positions it took from the shared cursor (status/leases); 2 x 100 at once crosses several leases.
    await createAgent(fleet[0]!.node, { name: 'provisioned', owner: 'mailto:ops@northwind.example' });
    const issue = (instance: Instance) => issueToAgent(instance.node, { agent: 'provisioned', capabilities: [{ action: 'call', resource: 'billing:lookup' }] });
    const issued = await Promise.all(Array.from({ length: 200 }, (_, i) => issue(fleet[i % 2]!)));
    for (const purpose of ['revocation', 'suspension']) {
      const entries = issued.map(({ credential }) => (credential.credentialStatus as { statusPurpose: string; statusListCredential: string; statusListIndex: string }[]).find((e) => e.statusPurpose === purpose)!);
      expect(new Set(entries.map((e) => `${e.statusListCredential}#${e.statusListIndex}`)).size, purpose).toBe(200);
    }
    // Revoking one through instance 2 revokes that one only.
    const [target, neighbour] = issued;
    await changeStatus(fleet[1]!.node, target!.id, 'revoke');
    const allocations = await fleet[0]!.node.store.getStatusAllocations(target!.id);
    const list = (await fleet[0]!.node.store.getStatusList(allocations.find((a) => a.purpose === 'revocation')!.listId))!;
    const bitOf = (credential: { credentialStatus?: unknown }) => {
      const entry = (credential.credentialStatus as { statusPurpose: string; statusListIndex: string }[]).find((e) => e.statusPurpose === 'revocation')!;
      const index = Number(entry.statusListIndex);
      return (list.bits[index >> 3]! >> (7 - (index & 7))) & 1;
    };
    expect(bitOf(target!.credential)).toBe(1);
    expect(bitOf(neighbour!.credential)).toBe(0);
  });

  it('keeps one audit log that verifies from either instance, with the decisions of both', async () => {
    const { verifyAudit, auditTrail } = await import('../../src/audit/index.js');
    for (const { node } of fleet) {
      const result = await verifyAudit({ store: node.store, resolver: node.resolver });
      expect(result.ok, JSON.stringify(result.firstBad)).toBe(true);
    }
    const agentDid = (await support.node.store.getAgent('customer-support'))!.did;
    const actions = (await auditTrail(fleet[1]!.node.store, agentDid)).filter((e) => e.type === 'action');
    expect(actions.filter((e) => e.decision === 'allow' && e.resource === 'billing:refund')).toHaveLength(10);
    expect(actions.filter((e) => e.reasons?.[0] === 'ERR_REPLAY')).toHaveLength(3);
  });
});
