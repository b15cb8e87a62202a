/**
 * Real Legate nodes on loopback for end-to-end tests: each with its own data
 * directory, SQLite file and HTTP server, DIDs `did:web:localhost%3A<port>`,
 * resolving each other over plain HTTP (loopback only, opted in).
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeContext, StatusPushPolicy, VerifierPolicy } from '../../src/node/context.js';
import { freeLoopbackPort, startLoopbackNode } from '../../src/server/loopback.js';
import type { RunningServer } from '../../src/server/serve.js';

export interface RunningNode {
  name: string;
  node: NodeContext;
  server: RunningServer;
  did: string;
  url: string;
  dataDir: string;
}

export const freePort = freeLoopbackPort;

export async function startNode(
  name: string,
  options: { root?: string; clock?: () => Date; sessionLifetimeSeconds?: number; verifier?: VerifierPolicy; statusPush?: Partial<StatusPushPolicy> } = {},
): Promise<RunningNode> {
  const dataDir = join(options.root ?? mkdtempSync(join(tmpdir(), 'legate-e2e-')), name);
  const started = await startLoopbackNode({
    dataDir,
    name,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.sessionLifetimeSeconds === undefined ? {} : { sessionLifetimeSeconds: options.sessionLifetimeSeconds }),
    ...(options.verifier === undefined ? {} : { verifier: options.verifier }),
    ...(options.statusPush === undefined ? {} : { statusPush: options.statusPush }),
  });
  return { name, dataDir, ...started };
}
