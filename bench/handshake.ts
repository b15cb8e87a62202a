/**
 * @module bench/handshake
 *
 * `handshake-action-http`: two nodes on this machine, "bank" (the teller
 * answers) in its own process (`fleet-node.ts`, as the one instance of its organization), "support" (its agents
 * initiate) in this one. 16 exchanges in flight (each a full ACE handshake
 * and one signed action, every one timed) after a warm-up, then one at a
 * time.
 */

import { fork } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createAgent, initNode, issueToAgent, openNode, handshake, act, accredit } from 'legate/node';
import { startServer } from 'legate/server';
import type { Capability } from 'legate/credential';
import { warmUp, WARMUP_OPERATIONS } from './fleet.js';

const HANDSHAKE_AGENTS = 16;
/** Handshakes in flight in the throughput measurement. */
const HANDSHAKE_CONCURRENCY = 16;

export interface Throughput {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** How many operations were timed. */
  count: number;
}

/** Sets up both nodes under `root`, measures, and stops them. */
export async function measureHandshakes(root: string, smoke: boolean, capabilities: Capability[]): Promise<{ handshakes: Throughput; handshakeOne: Throughput }> {
  const bankRoot = join(root, 'bank');
  const supportRoot = join(root, 'support');
  const port = () => new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
  const [bankPort, supportPort] = [await port(), await port()];
  const peer = fork(new URL('./fleet-node.js', import.meta.url), [JSON.stringify({ dataDir: bankRoot, port: bankPort, domain: `localhost:${bankPort}`, first: true })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const peerExit = new Promise<number | null>((resolve) => peer.once('exit', resolve));
  const fromPeer = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (!(key in message)) return;
        peer.off('message', onMessage);
        resolve(message[key] as T);
      };
      peer.on('message', onMessage);
      void peerExit.then((code) => reject(new Error(`the peer node exited (${String(code)})`)));
    });
  const bank = await fromPeer<{ organization: string; teller: string }>('ready');
  await initNode({ dataDir: supportRoot, domain: `localhost:${supportPort}` });
  const support = await openNode({ dataDir: supportRoot, allowHttpLoopback: true });
  const supportServer = await startServer({ node: support, port: supportPort });
  for (let i = 0; i < HANDSHAKE_AGENTS; i++) {
    await createAgent(support, { name: `agent-${i}`, owner: 'mailto:dana@support.example' });
    await issueToAgent(support, { agent: `agent-${i}`, capabilities });
  }
  await accredit(support, { issuer: bank.organization, capabilities: ['serve:billing:*'] });
  peer.send({ accredit: support.organization.did });
  await fromPeer('accredited');

  async function exchange(agent: string): Promise<void> {
    await handshake(support, { agent, peer: bank.teller });
    const decision = await act(support, { agent, peer: bank.teller, action: 'call', resource: 'billing:refund', amount: { value: 1, currency: 'USD' } });
    if (decision.decision !== 'allow') throw new Error(`handshake-action-http: unexpected decision ${String(decision.decision)}`);
  }

  /** Handshake + action exchanges for `ms` with `concurrency` in flight (each on its own agent); every one is timed. */
  async function drive(concurrency: number, ms: number): Promise<Throughput> {
    const latencies: number[] = [];
    const start = performance.now();
    const end = start + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        do {
          const t = performance.now();
          await exchange(`agent-${i % HANDSHAKE_AGENTS}`);
          latencies.push(performance.now() - t);
        } while (performance.now() < end);
      }),
    );
    const elapsed = performance.now() - start;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    return { opsPerSec: (latencies.length / elapsed) * 1000, p50Ms: at(0.5), p99Ms: at(0.99), count: latencies.length };
  }
  // Caches, JIT, keep-alive connections: each exchange runs a handshake and an action on both nodes, so half as many.
  await warmUp(async (ms) => (await drive(HANDSHAKE_CONCURRENCY, ms)).count, smoke, WARMUP_OPERATIONS / 2);
  const handshakes = await drive(HANDSHAKE_CONCURRENCY, smoke ? 100 : 6000);
  const handshakeOne = await drive(1, smoke ? 50 : 3000);

  await supportServer.close();
  peer.send({ close: true });
  await peerExit;
  await support.close();
  return { handshakes, handshakeOne };
}
