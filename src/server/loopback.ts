/**
 * @module server/loopback
 *
 * A whole node on `localhost`, for demos, examples and tests: because a
 * did:web embeds its port, a free port is found first, then the node is
 * initialized as `did:web:localhost%3A<port>`, opened with plain HTTP allowed
 * for loopback peers (never for anything else), and served. Closing the
 * server closes the node.
 */

import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { legateError } from '../errors/index.js';
import type { Clock } from '../lib/clock.js';
import type { NodeContext, StatusPushPolicy, VerifierPolicy } from '../node/context.js';
import { initNode } from '../node/init.js';
import { openNode } from '../node/open.js';
import { startServer, type RunningServer } from './serve.js';

/** Where ports are drawn from when the kernel's ephemeral range is known: below it, and above the well-known services. */
const DRAW_FLOOR = 10_000;
const DRAW_ATTEMPTS = 64;

/**
 * A TCP port on 127.0.0.1 that was free a moment ago.
 *
 * On Linux it is drawn at random from below the kernel's ephemeral range
 * (`ip_local_port_range`): every outgoing connection and every `listen(0)`
 * takes its port from that range, so between this probe and the caller's
 * bind a busy process's own connections cannot take the port. Elsewhere, or
 * when no drawn port is free, the kernel picks one.
 */
export async function freeLoopbackPort(): Promise<number> {
  const below = await ephemeralRangeStart();
  if (below !== undefined && below - DRAW_FLOOR >= 1_000) {
    for (let attempt = 0; attempt < DRAW_ATTEMPTS; attempt++) {
      const port = randomInt(DRAW_FLOOR, below);
      if ((await probe(port)) !== undefined) return port;
    }
  }
  const port = await probe(0);
  if (port === undefined) throw legateError('ERR_INTERNAL', 'no free TCP port on 127.0.0.1');
  return port;
}

/** The first port of Linux's ephemeral range, or undefined where there is none to read. */
async function ephemeralRangeStart(): Promise<number | undefined> {
  const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => undefined);
  const first = Number.parseInt(text?.trim().split(/\s+/)[0] ?? '', 10);
  return Number.isInteger(first) && first > 0 && first < 65_536 ? first : undefined;
}

/** Binds and releases `port` on 127.0.0.1 (0: any), giving the port bound, or undefined when it is taken. */
function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(undefined) : reject(error)));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

export interface LoopbackNodeOptions {
  /** Where the node's data directory is created (it must not hold a node yet). */
  dataDir: string;
  name?: string;
  clock?: Clock;
  sessionLifetimeSeconds?: number;
  /** How the node bounds what it verifies (its maximum status age, say). */
  verifier?: VerifierPolicy;
  /** Revocation push settings, field by field. */
  statusPush?: Partial<StatusPushPolicy>;
}

export interface LoopbackNode {
  node: NodeContext;
  server: RunningServer;
  did: string;
  /** `http://localhost:<port>`, the origin its DIDs point at. */
  url: string;
}

/**
 * Initializes, opens and serves a node on loopback.
 *
 * @example
 * ```ts
 * const bank = await startLoopbackNode({ dataDir: join(root, 'bank'), name: 'Bank' });
 * bank.did; // 'did:web:localhost%3A40123'
 * await bank.server.close();
 * ```
 */
export async function startLoopbackNode(options: LoopbackNodeOptions): Promise<LoopbackNode> {
  const port = await freeLoopbackPort();
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  await initNode({ dataDir: options.dataDir, domain: `localhost:${port}`, ...(options.name === undefined ? {} : { name: options.name }), ...clock });
  const node = await openNode({
    dataDir: options.dataDir,
    allowHttpLoopback: true,
    ...clock,
    ...(options.sessionLifetimeSeconds === undefined ? {} : { sessionLifetimeSeconds: options.sessionLifetimeSeconds }),
    ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
    ...(options.statusPush === undefined ? {} : { statusPush: options.statusPush }),
  });
  try {
    const server = await startServer({ node, port, onUnexpectedError: () => undefined });
    return { node, server, did: node.organization.did, url: `http://localhost:${port}` };
  } catch (error) {
    await node.close();
    throw error;
  }
}
