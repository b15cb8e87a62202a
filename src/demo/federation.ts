/**
 * @module demo/federation
 *
 * Starts the example federation of `registry/federation.example.json` on
 * loopback: one node per organization, each with its own data directory,
 * SQLite file and HTTP server on a free port (the DIDs embed the port), then
 * applies each organization's accreditations and recognitions.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../lib/clock.js';
import type { NodeContext } from '../node/context.js';
import { trustListUrl } from '../node/registry.js';
import { startLoopbackNode } from '../server/loopback.js';
import type { RunningServer } from '../server/serve.js';

export interface FederationFile {
  organizations: { id: string; name: string }[];
  trust: Record<
    string,
    {
      accredits: { org: string; capabilities: string[]; maxDelegationDepth: number }[];
      recognizes: { org: string; hops: number; capabilities?: string[] }[];
    }
  >;
}

export interface DemoOrg {
  id: string;
  name: string;
  node: NodeContext;
  server: RunningServer;
}

export const FEDERATION_FILE = new URL('../../registry/federation.example.json', import.meta.url);

/** Starts every organization of the file under `root`, federated as the file says. */
export async function startFederation(root: string, clock: Clock, file: URL = FEDERATION_FILE): Promise<Record<string, DemoOrg>> {
  const federation = JSON.parse(readFileSync(file, 'utf8')) as FederationFile;
  const orgs: Record<string, DemoOrg> = {};
  try {
    for (const { id, name } of federation.organizations) {
      // Sessions outlive the status-list TTL so the demo can show a revocation reaching an open session.
      const { node, server } = await startLoopbackNode({ dataDir: join(root, id), name, clock, sessionLifetimeSeconds: 3600 });
      orgs[id] = { id, name, node, server };
    }
    for (const [id, trust] of Object.entries(federation.trust)) {
      const self = orgs[id]!.node;
      for (const a of trust.accredits) {
        await self.services.registry.accredit({ issuer: orgs[a.org]!.node.organization.did, capabilities: a.capabilities, maxDelegationDepth: a.maxDelegationDepth });
      }
      for (const r of trust.recognizes) {
        const other = orgs[r.org]!.node;
        await self.services.registry.recognize({ url: trustListUrl(other), issuer: other.organization.did, hops: r.hops, ...(r.capabilities ? { capabilities: r.capabilities } : {}) });
      }
    }
    return orgs;
  } catch (error) {
    await stopFederation(orgs);
    throw error;
  }
}

export async function stopFederation(orgs: Record<string, DemoOrg>): Promise<void> {
  await Promise.allSettled(Object.values(orgs).map((o) => o.server.close()));
}
