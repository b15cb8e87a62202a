/**
 * Creating identities: an organization, a did:web agent with an accountable
 * human owner, and a did:key sub-agent; then the DID documents a verifier
 * would resolve for each.
 *
 * Run: npm run example -- create-agent
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DIDDocument } from 'legate/did';
import { createAgent, initNode, openNode, showAgent } from 'legate/node';

export interface CreateAgentResult {
  organization: string;
  agent: { did: string; owner: string; document: DIDDocument | null };
  subAgent: { did: string; owner: string; document: DIDDocument | null };
}

export async function main(say: (line: string) => void = console.log): Promise<CreateAgentResult> {
  const root = mkdtempSync(join(tmpdir(), 'legate-example-'));
  try {
    // The organization's DID derives from where its node is reachable: did:web:acme.example
    // is published at https://acme.example/.well-known/did.json.
    const dataDir = join(root, 'acme');
    const org = await initNode({ dataDir, domain: 'acme.example', name: 'Acme' });
    say(`organization  ${org.did}`);

    const node = await openNode({ dataDir });
    try {
      // A long-lived agent gets a did:web under the organization, which controls it, and a
      // human who answers for what it does. Its key is generated and sealed in the node.
      const alice = await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });
      // A short-lived sub-agent needs no published document: did:key carries its public key.
      const helper = await createAgent(node, { name: 'refund-helper', owner: 'mailto:carol@acme.example', method: 'key' });
      say(`agent         ${alice.did}  (owner ${alice.owner})`);
      say(`sub-agent     ${helper.did}`);

      // The documents: did:web ones are built from the node's store (and served by its HTTP
      // node); a did:key document is derived from the identifier itself, offline.
      const agent = await showAgent(node, 'alice');
      const subAgent = await showAgent(node, 'refund-helper');
      say(`\nalice's DID document:\n${JSON.stringify(agent.didDocument, null, 2)}`);
      say(`\nrefund-helper's DID document:\n${JSON.stringify(subAgent.didDocument, null, 2)}`);

      return {
        organization: org.did,
        agent: { did: alice.did, owner: alice.owner, document: agent.didDocument },
        subAgent: { did: helper.did, owner: helper.owner, document: subAgent.didDocument },
      };
    } finally {
      await node.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
