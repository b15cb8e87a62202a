// freeLoopbackPort: ports for loopback nodes come from below the kernel's ephemeral range,
// so a busy test process's own outgoing connections (which take ephemeral ports) cannot take one
// between the probe and the bind. A CI run lost `legate serve` to EADDRINUSE on 40683 that way.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../../src/server/index.js';

const range = (() => {
  try {
    return readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  } catch {
    return undefined;
  }
})();

const listen = (port: number) =>
  new Promise<() => Promise<void>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(() => new Promise((done) => server.close(() => done()))));
  });

describe('freeLoopbackPort', () => {
  it.runIf(range !== undefined && (range[0] ?? 0) > 11_000)('draws ports below the ephemeral range that can then be bound', async () => {
    const ports = await Promise.all(Array.from({ length: 8 }, () => freeLoopbackPort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(range?.[0] ?? 0);
    }
    expect(new Set(ports).size).toBeGreaterThan(1);
    const close = await listen(ports[0] ?? 0);
    await close();
  });

  it('never hands out a port that is being listened on', async () => {
    const held: Array<() => Promise<void>> = [];
    const taken = new Set<number>();
    try {
      for (let i = 0; i < 16; i++) {
        const port = await freeLoopbackPort();
        expect(taken.has(port)).toBe(false);
        held.push(await listen(port));
        taken.add(port);
      }
    } finally {
      await Promise.all(held.map((close) => close()));
    }
  });
});
