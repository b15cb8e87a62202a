/**
 * @module server/loopback
 *
 * A whole node on `localhost`, for demos, examples and tests: because a
 * did:web embeds its port, a free port is found first, then the node is
 * initialized as `did:web:localhost%3A<port>`, opened with plain HTTP allowed
 * for loopback peers (never for anything else), and served. Closing the
 * server closes the node.
 */

import { createServer } from 'node:net';
import type { Clock } from '../lib/clock.js';
import type { NodeContext, StatusPushPolicy, VerifierPolicy } from '../node/context.js';
import { initNode } from '../node/init.js';
import { openNode } from '../node/open.js';
import { startServer, type RunningServer } from './serve.js';

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
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
