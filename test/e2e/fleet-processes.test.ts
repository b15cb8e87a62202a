// A fleet as operators run it: two `legate serve` PROCESSES (the built CLI) of Northwind Bank on one
// PostgreSQL database (LEGATE_DATABASE_URL), each with its own data directory holding a copy of the key
// files. The partner, Helpdesk Tools (SQLite, in this process), opens a handshake with the bank's teller
// at instance 1 (the port the bank's DID names) and acts under that session at instance 2; both answer
// /readyz; once both have stopped (each closing its audit chain), `legate audit verify` passes on the one
// log both wrote. test/e2e/fleet.test.ts covers the rest of the fleet's behaviour with in-process instances.
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSignedAction } from '../../src/action/create.js';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { handshake } from '../../src/node/peer.js';
import { accredit } from '../../src/node/registry.js';
import { legate, startServe, stop } from '../cli/helpers.js';
import { freePort, startNode, type RunningNode } from '../helpers/federation.js';
import { describePostgres, freshDatabase, type FreshDatabase } from '../helpers/postgres.js';

describePostgres('a fleet of two legate serve processes on one PostgreSQL database', () => {
  let root: string;
  let db: FreshDatabase;
  let support: RunningNode;
  let teller: string;
  const dirs: string[] = [];
  const ports: number[] = [];
  const running: ChildProcess[] = [];
  const env = () => ({ LEGATE_DATABASE_URL: db.url, LEGATE_ALLOW_HTTP_LOOPBACK: 'true' });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'legate-fleet-processes-'));
    db = await freshDatabase();
    ports.push(await freePort(), await freePort());
    dirs.push(join(root, 'bank-1'), join(root, 'bank-2'));
    const init = await legate(['--data', dirs[0]!, 'init', '--domain', `localhost:${ports[0]}`, '--name', 'Northwind Bank'], { env: env() });
    expect(init.code, init.stderr).toBe(0);
    mkdirSync(dirs[1]!, { mode: 0o700 });
    for (const file of ['keystore.json', 'master.key']) copyFileSync(join(dirs[0]!, file), join(dirs[1]!, file));

    // The bank's set-up, before it serves: its teller, and the partner accredited.
    support = await startNode('support', { root });
    const bank = await openNode({ dataDir: dirs[0]!, database: db.url });
    try {
      await accredit(bank, { issuer: support.did, capabilities: ['call:billing:*'] });
      await accredit(support.node, { issuer: bank.organization.did, capabilities: ['serve:billing:*'] });
      teller = (await createAgent(bank, { name: 'teller', owner: 'mailto:ops@northwind.example' })).did;
      await issueToAgent(bank, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    } finally {
      await bank.close();
    }
    const carol = await createAgent(support.node, { name: 'carol', owner: 'mailto:carol@helpdesk.example', method: 'key' });
    await createAgent(support.node, { name: 'customer-support', owner: carol.did });
    await issueToAgent(support.node, { agent: 'customer-support', capabilities: [{ action: 'call', resource: 'billing:lookup' }] });

    for (const [i, dataDir] of dirs.entries()) {
      await startServe(['--data', dataDir], ['--port', String(ports[i])], env(), (child) => running.push(child));
    }
  });

  afterAll(async () => {
    await Promise.all(running.map((child) => stop(child)));
    await support?.server.close();
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('continues at instance 2 a handshake opened at instance 1, and one audit log of both verifies', async () => {
    for (const port of ports) expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toEqual({ status: 'ready' });

    const result = await handshake(support.node, { agent: 'customer-support', peer: teller });
    expect(result.session?.id).toMatch(/^urn:uuid:/);
    const session = (await support.node.store.getPeerSession('customer-support', teller))!;
    expect(new URL(session.endpoint).port).toBe(String(ports[0]));

    const agent = (await support.node.store.getAgent('customer-support'))!;
    const signer = await support.node.keys.signer(agent.kid);
    const act = async (port: number) => {
      const { token } = await createSignedAction({ signer, audience: teller, session: session.token, action: 'call', resource: 'billing:lookup' });
      const response = await fetch(`http://127.0.0.1:${port}/actions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: token }) });
      return { status: response.status, body: (await response.json()) as { decision?: string } };
    };
    expect(await act(ports[1]!)).toMatchObject({ status: 200, body: { decision: 'allow' } });
    expect(await act(ports[0]!)).toMatchObject({ status: 200, body: { decision: 'allow' } });

    // Both stop (SIGTERM: each closes its own chain), then the one log verifies from either data directory.
    expect(await Promise.all(running.splice(0).map((child) => stop(child)))).toEqual([0, 0]);
    for (const dataDir of dirs) {
      const verified = await legate(['--data', dataDir, '--json', 'audit', 'verify'], { env: env() });
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.json()).toMatchObject({ ok: true });
    }
    // Each process appended its decisions to a chain of its own, and closed it (read as exported: rows may be packed).
    const exported = await legate(['--data', dirs[0]!, 'audit', 'export'], { env: env() });
    expect(exported.code, exported.stderr).toBe(0);
    const byChain = new Map<string, { actions: number; closed: boolean }>();
    for (const line of exported.stdout.trim().split('\n')) {
      const entry = JSON.parse(line) as { chainId: string; type: string };
      const chain = byChain.get(entry.chainId) ?? { actions: 0, closed: false };
      if (entry.type === 'action') chain.actions++;
      if (entry.type === 'chain-close') chain.closed = true;
      byChain.set(entry.chainId, chain);
    }
    expect([...byChain.values()].filter((c) => c.actions > 0)).toEqual([
      { actions: 1, closed: true },
      { actions: 1, closed: true },
    ]);
  });
});
