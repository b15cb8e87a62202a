// A fresh acme node (did:web:acme.example) on an injected clock, with the agent alice: the start of the status tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/lib/clock.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { initNode } from '../../src/node/init.js';
import { openNode } from '../../src/node/open.js';

export const OWNER = 'mailto:carol@acme.example';

/** Initializes and opens acme in a new temporary directory (named after `prefix`) and registers alice. */
export async function acmeWithAlice(prefix: string, clock: Clock): Promise<{ node: NodeContext; dataDir: string }> {
  const dataDir = join(mkdtempSync(join(tmpdir(), prefix)), 'acme');
  await initNode({ dataDir, domain: 'acme.example', clock });
  const node = await openNode({ dataDir, clock });
  await createAgent(node, { name: 'alice', owner: OWNER });
  return { node, dataDir };
}
