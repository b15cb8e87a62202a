/**
 * @module bench/observed
 *
 * What observability costs one signed action (#18 item 4: at most 10% more
 * CPU). Two answering organizations run side by side, each one instance on
 * SQLite in a process of its own (`fleet-node.ts`) behind its balancer, as
 * in `actions-sqlite-1`: `actions-observed-off` logs nothing and traces into
 * the API's no-op; `actions-observed-on` writes a JSON log line per request
 * at `info` (to a file), records every span in a stand-in SDK
 * (`trace-sink.ts`: spans buffered and dropped in batches) and has its
 * `/metrics` scraped twice a second; `actions-observed-nosdk` logs and is
 * scraped as `on` does, but no SDK is installed (spans go to the API's
 * no-op, as they do until an operator installs one); `actions-observed-on-als` is the same as `on`
 * with the SDK's AsyncLocalStorage context manager installed too. All count
 * their metrics (they cannot be turned off). They are driven in turn, a
 * half-second each, for twenty rounds (16 actions in flight, after a warm-up), so
 * the machine's drift falls on all alike; `serverCpuUs` is each instance's
 * CPU per action over all rounds, and an observed row's `cpuOverheadPct`
 * the median, over the rounds, of its CPU per action against
 * `actions-observed-off`'s in the same round (a paired comparison: one
 * slow second moves one ratio, not the total).
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { accredit, act, handshake } from 'legate/node';
import type { Capability } from 'legate/credential';
import { AGENTS, balancer, cpuUs, freePort, percentiles, spawnInstance, startSupport, warmUp, type FleetRow, type Instance } from './fleet.js';

const IN_FLIGHT = 16;
const ROUNDS = 20;

/** The median of the rounds' ratios: a round's drift falls on both sides of its own ratio. */
function pairedOverheadPct(observed: number[], off: number[]): number {
  const ratios = observed.map((cpu, i) => cpu / off[i]! - 1).sort((a, b) => a - b);
  const mid = ratios.length >> 1;
  const median = ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return Math.round(median * 1000) / 10;
}

interface Bank {
  name: string;
  observed: boolean;
  contextManager: boolean;
  port: number;
  instance: Instance;
  close(): Promise<void>;
  organization: string;
  teller: string;
  latencies: number[];
  elapsed: number;
  cpu: number;
  /** CPU microseconds per action in each round, for the paired comparison. */
  perRound: number[];
}

async function startBank(root: string, name: string, observed: boolean, contextManager = false, sdk = true): Promise<Bank> {
  const [lbPort, port] = [await freePort(), await freePort()];
  mkdirSync(join(root, name), { recursive: true });
  const lb = await balancer(lbPort, [port]);
  const instance = spawnInstance({ dataDir: join(root, name, 'bank'), port, domain: `localhost:${lbPort}`, first: true, observed, contextManager, sdk });
  const ready = await instance.ask<{ organization: string; teller: string }>('ready');
  const close = async () => {
    instance.child.send({ close: true });
    await instance.exited;
    await new Promise((resolve) => lb.close(resolve));
  };
  return { name, observed, contextManager, port, instance, close, ...ready, latencies: [], elapsed: 0, cpu: 0, perRound: [] };
}

/** `actions-observed-off`, `-nosdk`, `-on` and `-on-als`, measured in turn. */
export async function measureObserved(root: string, smoke: boolean, capabilities: Capability[]): Promise<FleetRow[]> {
  const banks: Bank[] = [];
  try {
    banks.push(
      await startBank(root, 'actions-observed-off', false),
      await startBank(root, 'actions-observed-nosdk', true, false, false),
      await startBank(root, 'actions-observed-on', true),
      await startBank(root, 'actions-observed-on-als', true, true),
    );
    const { node: support, close: closeSupport } = await startSupport(join(root, 'observed-support'), await freePort(), capabilities);
    try {
      for (const bank of banks) {
        await accredit(support, { issuer: bank.organization, capabilities: ['serve:billing:*'] });
        bank.instance.child.send({ accredit: support.organization.did });
        await bank.instance.ask('accredited');
        for (let i = 0; i < AGENTS; i++) await handshake(support, { agent: `agent-${i}`, peer: bank.teller });
      }

      const drive = async (bank: Bank, ms: number, record: boolean) => {
        // Observed, /metrics is scraped once per half-second drive: twice as often as a 1 s Prometheus interval.
        if (bank.observed) void fetch(`http://127.0.0.1:${bank.port}/metrics`).then((r) => r.text());
        const cpuBefore = cpuUs(bank.instance.child.pid!);
        const begin = performance.now();
        const end = begin + ms;
        const latencies: number[] = [];
        await Promise.all(
          Array.from({ length: IN_FLIGHT }, async (_, i) => {
            do {
              const t = performance.now();
              const decision = await act(support, { agent: `agent-${i % AGENTS}`, peer: bank.teller, action: 'call', resource: 'billing:refund', amount: { value: 1, currency: 'USD' } });
              if (decision.decision !== 'allow') throw new Error(`${bank.name}: unexpected decision ${String(decision.decision)}`);
              latencies.push(performance.now() - t);
            } while (performance.now() < end);
          }),
        );
        if (!record) return latencies.length;
        const cpu = cpuUs(bank.instance.child.pid!) - cpuBefore;
        bank.elapsed += performance.now() - begin;
        bank.cpu += cpu;
        bank.perRound.push(cpu / latencies.length);
        bank.latencies.push(...latencies);
        return latencies.length;
      };
      for (const bank of banks) await warmUp((ms) => drive(bank, ms, false), smoke);
      const rounds = smoke ? 1 : ROUNDS;
      for (let round = 0; round < rounds; round++) {
        // Alternate the order, so none always follows the same one.
        for (const bank of round % 2 === 0 ? banks : [...banks].reverse()) await drive(bank, smoke ? 100 : 500, true);
      }
    } finally {
      await closeSupport();
    }
    const rows = banks.map((bank): FleetRow => ({ name: bank.name, ...percentiles(bank.latencies, bank.elapsed), serverCpuUs: Math.round(bank.cpu / bank.latencies.length) }));
    return rows.map((row, i) => (i === 0 ? row : { ...row, cpuOverheadPct: pairedOverheadPct(banks[i]!.perRound, banks[0]!.perRound) }));
  } finally {
    await Promise.all(banks.map((bank) => bank.close()));
  }
}
