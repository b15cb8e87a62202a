/**
 * Delegation, acme -> alice -> refund-helper: Acme gives alice refunds up to
 * 100 USD and lets her delegate once; alice hands a did:key sub-agent refunds
 * up to 20 USD. A child wider than its parent is refused
 * (ERR_CAPABILITY_WIDENED); the sub-agent presents the whole chain, a
 * verifier authorizes within the child's limit, and names who answers for it.
 *
 * Run: npm run example -- delegate
 */

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorize } from 'legate/capability';
import { isLegateError } from 'legate/errors';
import { createAgent, delegateFromAgent, initNode, issueToAgent, openNode, presentAsAgent, verificationOptions } from 'legate/node';
import { verifyPresentation } from 'legate/presentation';

const usd = (value: number) => ({ value, currency: 'USD' });

export interface DelegateResult {
  widening: string | undefined;
  chainLength: number;
  attribution: { role: string; id: string }[];
  decisions: Record<string, { decision: string; reasons: string[] }>;
}

export async function main(say: (line: string) => void = console.log): Promise<DelegateResult> {
  const root = mkdtempSync(join(tmpdir(), 'legate-example-'));
  try {
    const dataDir = join(root, 'acme');
    await initNode({ dataDir, domain: 'acme.example', name: 'Acme' });
    const node = await openNode({ dataDir });
    try {
      await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });
      const helper = await createAgent(node, { name: 'refund-helper', owner: 'mailto:carol@acme.example', method: 'key' });

      // maxDepth 1: alice may delegate, her delegates may not delegate further.
      const parent = await issueToAgent(node, {
        agent: 'alice',
        capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: usd(100) } }],
        delegation: { depth: 0, maxDepth: 1 },
      });

      // Asking for more than alice holds is refused before anything is signed.
      const slice = (max: number) => ({ action: 'call', resource: 'billing:refund', constraints: { maxAmount: usd(max) } });
      let widening: string | undefined;
      try {
        await delegateFromAgent(node, { from: 'alice', credential: parent.id, to: helper.did, capability: slice(500) });
      } catch (error) {
        if (!isLegateError(error)) throw error;
        widening = error.code;
      }
      say(`alice delegates refunds up to 500 USD: ${widening === undefined ? 'accepted (unexpected!)' : `refused [${widening}]`}`);

      // A narrower slice: the child is signed by alice's own key and points at its parent.
      const child = await delegateFromAgent(node, { from: 'alice', credential: parent.id, to: helper.did, capability: slice(20) });
      say(`alice delegates refunds up to 20 USD to ${helper.did.slice(0, 24)}…: ${child.id}`);

      // The verifier sends a fresh challenge; the sub-agent presents its credential with the parent.
      const nonce = randomUUID();
      const vp = await presentAsAgent(node, { agent: 'refund-helper', audience: node.organization.did, nonce });
      const verified = await verifyPresentation(vp, { ...verificationOptions(node), audience: node.organization.did, nonce });
      if (!verified.verified) throw new Error(`presentation rejected: ${verified.errors.map((e) => e.code).join(', ')}`);
      const chain = verified.chains[0]!;

      // Every link was checked, but only the leaf's limits count: 20 USD, not alice's 100.
      const decisions: DelegateResult['decisions'] = {};
      for (const amount of [15, 50]) {
        const d = authorize({ action: 'call', resource: 'billing:refund', amount: usd(amount) }, verified.credentials, { verifier: node.organization.did });
        decisions[`refund ${amount} USD`] = { decision: d.decision, reasons: d.reasons.map((r) => r.code) };
        say(`refund ${amount} USD: ${d.decision}${d.reasons.length ? ` [${d.reasons.map((r) => r.code).join(', ')}]` : ''}`);
      }

      // Who acted on whose authority: organization -> human owner -> agent -> sub-agent.
      say('attribution:');
      for (const entry of chain.attribution) say(`  ${entry.role.padEnd(9)} ${entry.id}`);
      return { widening, chainLength: chain.links.length, attribution: chain.attribution.map(({ role, id }) => ({ role, id })), decisions };
    } finally {
      await node.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
