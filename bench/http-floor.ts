/**
 * @module bench/http-floor
 *
 * `floor-http-roundtrip`: what one request costs over loopback HTTP with no
 * Legate work in it, the transport floor of `actions-sqlite-1` (#19 item 1).
 * The server is Hono on `@hono/node-server` in a process of its own
 * (bench/http-floor-server); this process sends, through undici (what the
 * node's one HTTP client is built on, over keep-alive connections), 16 in
 * flight, a body the size of a signed action (a 6,000-character JWS in
 * `{ "action" }`) and reads a decision-sized JSON answer. Reported as the
 * fleet cases are: throughput, p50/p99, and each side's CPU per request
 * (user + system; the server's from /proc), after a warm-up.
 */

import { fork } from 'node:child_process';
import { Agent, request } from 'undici';
import { cpuUs, percentiles } from './fleet.js';
import type { Row } from './case.js';

const IN_FLIGHT = 16;
/** A signed action's JSON body is about this long (its session token is most of it). */
const ACTION_CHARS = 6_000;

export async function measureHttpFloor(smoke: boolean): Promise<Row> {
  const child = fork(new URL('./http-floor-server.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const agent = new Agent({ connections: IN_FLIGHT });
  try {
    const { port } = await new Promise<{ port: number }>((resolve, reject) => {
      child.once('message', (message) => resolve(message as { port: number }));
      child.once('exit', (code) => reject(new Error(`the HTTP floor server exited (${String(code)})`)));
    });
    const body = JSON.stringify({ action: 'e'.repeat(ACTION_CHARS) });
    const url = `http://127.0.0.1:${port}/actions`;
    const drive = async (ms: number) => {
      const latencies: number[] = [];
      const begin = performance.now();
      const end = begin + ms;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          do {
            const t = performance.now();
            const response = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
            const answer = JSON.parse(await response.body.text()) as { decision?: unknown };
            if (response.statusCode !== 200 || answer.decision !== 'allow') throw new Error(`floor-http-roundtrip: answered ${response.statusCode}`);
            latencies.push(performance.now() - t);
          } while (performance.now() < end);
        }),
      );
      return { latencies, elapsed: performance.now() - begin };
    };
    await drive(smoke ? 50 : 2000);
    const serverBefore = cpuUs(child.pid!);
    const clientBefore = process.cpuUsage();
    const { latencies, elapsed } = await drive(smoke ? 100 : 5000);
    const client = process.cpuUsage(clientBefore);
    const server = cpuUs(child.pid!) - serverBefore;
    return {
      name: 'floor-http-roundtrip',
      ...percentiles(latencies, elapsed),
      serverCpuUs: Math.round(server / latencies.length),
      clientCpuUs: Math.round((client.user + client.system) / latencies.length),
    };
  } finally {
    await agent.close();
    child.send('close');
    await exited;
  }
}
