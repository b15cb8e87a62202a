/**
 * @module bench/revocation
 *
 * `revocation-propagation` (#17 item 5): how long a revocation made at one
 * organization takes to be refused by another's running node. Two nodes on
 * loopback in this process, each with its HTTP server and real did:web
 * resolution: "support" issues, "bank" relies on support's status list with
 * a ten-minute maximum status age, so only the notice explains a refusal.
 * Each round: the bank's checker answers from its cache, support revokes a
 * fresh credential, and the bank's checker is asked every 2 ms until it says
 * `ERR_REVOKED`; the delay is from the revocation call to that answer. The
 * bank takes any number of notices (its per-issuer rate is raised), so the
 * rounds measure the push, not the flood bound.
 */

import { createServer } from 'node:net';
import { join } from 'node:path';
import { accredit, changeStatus, createAgent, initNode, issueToAgent, openNode, type NodeContext } from 'legate/node';
import { startServer, type RunningServer } from 'legate/server';
import type { Capability } from 'legate/credential';
import type { Row } from './case.js';

/** A round that sees no refusal within this long fails the benchmark (the target is 5 s). */
const ROUND_LIMIT_MS = 10_000;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

async function startOrg(dataDir: string): Promise<{ node: NodeContext; server: RunningServer }> {
  const port = await freePort();
  await initNode({ dataDir, domain: `localhost:${port}` });
  const node = await openNode({ dataDir, allowHttpLoopback: true, verifier: { maxStatusAgeSeconds: 600 }, statusPush: { noticesPerWindow: 1_000_000 } });
  return { node, server: await startServer({ node, port }) };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Runs `rounds` revocations (smoke: 3) and reports p50 and p99 of their delay. */
export async function measureRevocationPropagation(root: string, smoke: boolean, capabilities: Capability[]): Promise<Row> {
  const rounds = smoke ? 3 : 50;
  const support = await startOrg(join(root, 'support'));
  const bank = await startOrg(join(root, 'bank'));
  try {
    await accredit(bank.node, { issuer: support.node.organization.did, capabilities: capabilities.map((c) => `${c.action}:${c.resource}`) });
    await accredit(support.node, { issuer: bank.node.organization.did, capabilities: ['serve:billing:*'] });
    await createAgent(support.node, { name: 'agent', owner: 'mailto:dana@support.example' });
    const checker = bank.node.services.verifier.statusChecker;
    const codes = async (credential: Record<string, unknown>) => (await checker.statusErrors(credential)).map((e) => e.code);
    const delays: number[] = [];
    const started = performance.now();
    for (let round = 0; round < rounds; round++) {
      const { id, credential } = await issueToAgent(support.node, { agent: 'agent', capabilities });
      const vc = credential as unknown as Record<string, unknown>;
      // Relied on, cached, and (after the first round) subscribed to.
      if ((await codes(vc)).length !== 0) throw new Error('revocation-propagation: a fresh credential did not check clean');
      await bank.node.services.statusPush.idle();
      const revokedAt = performance.now();
      await changeStatus(support.node, id, 'revoke');
      for (;;) {
        if ((await codes(vc)).includes('ERR_REVOKED')) break;
        if (performance.now() - revokedAt > ROUND_LIMIT_MS) throw new Error(`revocation-propagation: no refusal within ${ROUND_LIMIT_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      delays.push(performance.now() - revokedAt);
      await support.node.services.statusPush.idle();
    }
    const seconds = (performance.now() - started) / 1000;
    const sorted = delays.sort((a, b) => a - b);
    const ms2 = (value: number) => Math.round(value * 100) / 100;
    return { name: 'revocation-propagation', opsPerSec: Math.round((rounds / seconds) * 100) / 100, p50Ms: ms2(percentile(sorted, 50)), p99Ms: ms2(percentile(sorted, 99)) };
  } finally {
    await bank.server.close();
    await support.server.close();
  }
}
