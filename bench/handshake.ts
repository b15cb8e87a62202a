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
import { countCrypto, type CryptoCounts } from './crypto-count.js';
import { generateEphemeralSigner } from 'legate/keys';
import { floor, signFloor } from './floor.js';

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

/** What the exchanges in flight cost, per exchange (#19 item 2: CPU against the cryptography's floor). */
export interface ExchangeCost {
  /** CPU of the answering node (its process), µs. */
  answeringCpuUs: number;
  /** CPU of the initiating node (this process, every thread), µs. */
  initiatingCpuUs: number;
  /** Signatures and verifications made through node:crypto, counted on each side. */
  answering: CryptoCounts;
  initiating: CryptoCounts;
  /** Those operations at the cost of one node:crypto Ed25519 signature and verification measured here, µs. */
  cryptoFloorUs: number;
}

/** Sets up both nodes under `root`, measures, and stops them. */
export async function measureHandshakes(root: string, smoke: boolean, capabilities: Capability[]): Promise<{ handshakes: Throughput; handshakeOne: Throughput; cost: ExchangeCost }> {
  const bankRoot = join(root, 'bank');
  const supportRoot = join(root, 'support');
  const port = () => new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
  const [bankPort, supportPort] = [await port(), await port()];
  const peer = fork(new URL('./fleet-node.js', import.meta.url), [JSON.stringify({ dataDir: bankRoot, port: bankPort, domain: `localhost:${bankPort}`, first: true, countCrypto: true })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
  type Usage = CryptoCounts & { cpuUs: number };
  const usage = () => {
    peer.send({ usage: true });
    return fromPeer<Usage>('usage');
  };
  const before = await usage();
  const local = countCrypto();
  const cpuBefore = process.cpuUsage();
  const handshakes = await drive(HANDSHAKE_CONCURRENCY, smoke ? 100 : 6000);
  const cpu = process.cpuUsage(cpuBefore);
  local.stop();
  const after = await usage();
  const cost = await exchangeCost(handshakes.count, after.cpuUs - before.cpuUs, cpu.user + cpu.system, { signatures: after.signatures - before.signatures, verifications: after.verifications - before.verifications }, local.counts);
  const handshakeOne = await drive(1, smoke ? 50 : 3000);

  await supportServer.close();
  peer.send({ close: true });
  await peerExit;
  await support.close();
  return { handshakes, handshakeOne, cost };
}

/** Per exchange: each side's CPU and cryptography, and that cryptography at node:crypto's cost measured now. */
async function exchangeCost(exchanges: number, answeringUs: number, initiatingUs: number, answering: CryptoCounts, initiating: CryptoCounts): Promise<ExchangeCost> {
  const per = (n: number) => Math.round((n / exchanges) * 10) / 10;
  const perSide = (c: CryptoCounts): CryptoCounts => ({ signatures: per(c.signatures), verifications: per(c.verifications) });
  // One node:crypto Ed25519 signature and verification (bench/floor) of a 2 KB signing input, an ACE message's order
  // of size, each the best of five runs of 500.
  const signer = generateEphemeralSigner();
  const input = `${'e'.repeat(40)}.${'p'.repeat(2000)}`;
  const signature = Buffer.from(await signer.sign(new TextEncoder().encode(input))).toString('base64url');
  const verifyOnce = floor(`${input}.${signature}`, signer.publicKey);
  const signOnce = signFloor(`${input}.x`);
  const best = (fn: () => unknown) =>
    Math.min(
      ...Array.from({ length: 5 }, () => {
        const t = performance.now();
        for (let i = 0; i < 500; i++) fn();
        return ((performance.now() - t) * 1000) / 500;
      }),
    );
  const tSign = best(signOnce);
  const tVerify = best(verifyOnce);
  const signatures = (answering.signatures + initiating.signatures) / exchanges;
  const verifications = (answering.verifications + initiating.verifications) / exchanges;
  return {
    answeringCpuUs: Math.round(answeringUs / exchanges),
    initiatingCpuUs: Math.round(initiatingUs / exchanges),
    answering: perSide(answering),
    initiating: perSide(initiating),
    cryptoFloorUs: Math.round(signatures * tSign + verifications * tVerify),
  };
}
