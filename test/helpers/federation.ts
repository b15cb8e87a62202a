/**
 * Real Legate nodes on loopback for end-to-end tests: each with its own data
 * directory, SQLite file and HTTP server, DIDs `did:web:localhost%3A<port>`,
 * resolving each other over plain HTTP (loopback only, opted in).
 */

import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';

export interface RunningNode {
  name: string;
  node: NodeContext;
  server: RunningServer;
  did: string;
  url: string;
  dataDir: string;
}

/** A port that was free a moment ago (the organization DID must embed it before the server starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startNode(
  name: string,
  options: { root?: string; clock?: () => Date; sessionLifetimeSeconds?: number } = {},
): Promise<RunningNode> {
  const port = await freePort();
  const dataDir = join(options.root ?? mkdtempSync(join(tmpdir(), 'legate-e2e-')), name);
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  await initNode({ dataDir, domain: `localhost:${port}`, name, ...clock });
  const node = await openNode({
    dataDir,
    allowHttpLoopback: true,
    ...clock,
    ...(options.sessionLifetimeSeconds === undefined ? {} : { sessionLifetimeSeconds: options.sessionLifetimeSeconds }),
  });
  const server = await startServer({ node, port, onUnexpectedError: () => undefined });
  return { name, node, server, did: node.organization.did, url: server.url.replace('127.0.0.1', 'localhost'), dataDir };
}
