/**
 * Legate inside a Veramo agent, acme -> alice -> refund-helper: Acme's node
 * issues alice refunds up to 100 USD, delegable once. alice runs on a Veramo
 * agent with the Legate plugin; the agent creates a did:key sub-agent in its
 * own key manager, alice delegates it refunds up to 20 USD, and the
 * sub-agent presents the chain (signed by the agent's KMS). The agent
 * authorizes within the child's limit (and names who answers for it),
 * denies above it (ERR_CONSTRAINT_AMOUNT), and once Acme revokes alice's
 * credential, denies with ERR_REVOKED: revoking a parent revokes its
 * delegates.
 *
 * Run: npm run example -- veramo-agent
 */

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent as createVeramoAgent, type IDIDManager } from '@veramo/core';
import { DIDManager, MemoryDIDStore } from '@veramo/did-manager';
import { KeyDIDProvider } from '@veramo/did-provider-key';
import { KeyManager, MemoryKeyStore, MemoryPrivateKeyStore } from '@veramo/key-manager';
import { KeyManagementSystem } from '@veramo/kms-local';
import { changeStatus, createAgent, initNode, issueToAgent, localStatusLists, openNode, signerFor } from 'legate/node';
import { LegatePlugin, type ILegate, type LegateAuthorization } from 'legate/veramo';

const usd = (value: number) => ({ value, currency: 'USD' });

export interface VeramoAgentResult {
  decisions: Record<string, { decision: string; reasons: string[] }>;
  attribution: { role: string; id: string }[];
  /** The outcomes of alice's credential's status entries after the revocation. */
  status: string[];
}

export async function main(say: (line: string) => void = console.log): Promise<VeramoAgentResult> {
  const root = mkdtempSync(join(tmpdir(), 'legate-example-'));
  try {
    const dataDir = join(root, 'acme');
    await initNode({ dataDir, domain: 'acme.example', name: 'Acme' });
    const node = await openNode({ dataDir });
    try {
      const alice = await createAgent(node, { name: 'alice', owner: 'mailto:carol@acme.example' });
      const parent = await issueToAgent(node, {
        agent: 'alice',
        capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: usd(100) } }],
        delegation: { depth: 0, maxDepth: 1 },
      });

      // alice's Veramo agent: her Legate key, Acme's resolver and status lists, and a key manager of its own.
      const agent = createVeramoAgent<ILegate & IDIDManager>({
        schemaValidation: true,
        plugins: [
          new LegatePlugin({ signers: [await signerFor(node, alice.did)], resolver: node.resolver, status: { local: localStatusLists(node) } }),
          new KeyManager({ store: new MemoryKeyStore(), kms: { local: new KeyManagementSystem(new MemoryPrivateKeyStore()) } }),
          new DIDManager({ store: new MemoryDIDStore(), defaultProvider: 'did:key', providers: { 'did:key': new KeyDIDProvider({ defaultKms: 'local' }) } }),
        ],
      });

      // The sub-agent's key never leaves the agent's KMS; the plugin signs through keyManagerSign.
      const { did: helper } = await agent.didManagerCreate({ provider: 'did:key' });
      const child = await agent.legateDelegateCapability({
        parent: parent.jwt,
        to: helper,
        capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: usd(20) } }],
      });
      say(`alice delegates refunds up to 20 USD to ${helper.slice(0, 24)}…: ${child.id}`);

      // A verifier's challenge; the sub-agent presents its credential with the parent.
      const audience = node.organization.did;
      const nonce = randomUUID();
      const { presentation } = await agent.legateCreatePresentation({ holder: helper, credentials: [child.secured, parent.jwt], audience, nonce });
      const refund = (amount: number) =>
        agent.legateAuthorize({ request: { action: 'call', resource: 'billing:refund', amount: usd(amount) }, presentation: { presentation, audience, nonce } });

      const decisions: VeramoAgentResult['decisions'] = {};
      const record = (label: string, d: LegateAuthorization) => {
        decisions[label] = { decision: d.decision, reasons: d.reasons.map((r) => r.code) };
        say(`${label}: ${d.decision}${d.reasons.length ? ` [${d.reasons.map((r) => r.code).join(', ')}]` : ''}`);
      };
      const allowed = await refund(15);
      record('refund 15 USD', allowed);
      record('refund 50 USD', await refund(50));
      say('attribution:');
      for (const entry of allowed.attribution ?? []) say(`  ${entry.role.padEnd(9)} ${entry.id}`);

      // Acme revokes alice's credential: the child falls with it.
      await changeStatus(node, parent.id, 'revoke');
      record('refund 15 USD after the revocation', await refund(15));
      const report = await agent.legateCheckCredentialStatus({ credential: parent.jwt });
      say(`alice's credential: ${report.results.map((r) => `${r.purpose ?? '?'} ${r.outcome}`).join(', ')}`);

      return {
        decisions,
        attribution: (allowed.attribution ?? []).map(({ role, id }) => ({ role, id })),
        status: report.results.map((r) => r.outcome),
      };
    } finally {
      await node.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
