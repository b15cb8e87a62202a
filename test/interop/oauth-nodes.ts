/**
 * Two real nodes on loopback for the OAuth interop tests (#15):
 *   acme: carol (human owner) -> alice (agent), holding one credential acme issued:
 *         read accounts:checking, pay invoices (at most 100 EUR), write crm:tickets
 *   bank: accredits acme for read:accounts:* and pay:invoices (not crm), and is the
 *         authorization server for RESOURCE (`oauth.resources`), issuer http://localhost:<port>
 * Only 127.0.0.1 is contacted; RESOURCE is a name, never fetched.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent } from '../../src/node/agents.js';
import type { OAuthPolicy } from '../../src/config/node-options.js';
import { initNode } from '../../src/node/init.js';
import { issueToAgent } from '../../src/node/issue.js';
import { openNode } from '../../src/node/open.js';
import { heldCredentials } from '../../src/node/present.js';
import { accredit } from '../../src/node/registry.js';
import { freeLoopbackPort } from '../../src/server/loopback.js';
import { startServer } from '../../src/server/serve.js';
import { createPresentation } from '../../src/presentation/create.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

export const RESOURCE = 'https://api.bank.example/accounts';
export const OWNER = 'mailto:carol@acme.example';
export const ALICE_CAPABILITIES = [
  { action: 'read', resource: 'accounts:checking' },
  { action: 'pay', resource: 'invoices', constraints: { maxAmount: { value: 100, currency: 'EUR' } } },
  { action: 'write', resource: 'crm:tickets' },
];

/** The bank: a node on loopback serving as the authorization server for {@link RESOURCE}. */
export async function startBank(root: string, oauth: Partial<OAuthPolicy> = {}): Promise<RunningNode> {
  const port = await freeLoopbackPort();
  const dataDir = join(root, 'bank');
  await initNode({ dataDir, domain: `localhost:${port}`, name: 'Bank' });
  const node = await openNode({ dataDir, allowHttpLoopback: true, oauth: { resources: [RESOURCE], ...oauth } });
  try {
    const server = await startServer({ node, port, onUnexpectedError: () => undefined });
    return { name: 'bank', node, server, did: node.organization.did, url: `http://localhost:${port}`, dataDir };
  } catch (error) {
    await node.close();
    throw error;
  }
}

export interface OAuthNodes {
  acme: RunningNode;
  bank: RunningNode;
  /** The bank's issuer URL. */
  issuer: string;
  aliceDid: string;
  /** alice's vp+jwt for the bank's authorization server: her credential, `aud` = the issuer. */
  present: (nonce: string, jkt?: string) => Promise<string>;
  close: () => Promise<void>;
}

/** Starts acme (with alice and her credential) and the bank (accrediting acme, with `bankOAuth` settings), both on loopback. */
export async function startOAuthNodes(bankOAuth: Partial<OAuthPolicy> = {}): Promise<OAuthNodes> {
  const root = mkdtempSync(join(tmpdir(), 'legate-oauth-interop-'));
  const acme = await startNode('acme', { root });
  const bank = await startBank(root, bankOAuth);
  const alice = await createAgent(acme.node, { name: 'alice', owner: OWNER });
  await issueToAgent(acme.node, { agent: 'alice', capabilities: ALICE_CAPABILITIES });
  await accredit(bank.node, { issuer: acme.did, capabilities: ['read:accounts:*', 'pay:invoices'] });
  const issuer = bank.url;
  const record = (await acme.node.store.getAgent('alice'))!;
  return {
    acme,
    bank,
    issuer,
    aliceDid: alice.did,
    present: async (nonce, jkt) =>
      createPresentation({
        signer: await acme.node.keys.signer(record.kid),
        credentials: await heldCredentials(acme.node, record),
        audience: issuer,
        nonce,
        ...(jkt === undefined ? {} : { jkt }),
      }),
    close: async () => {
      await acme.server.close();
      await bank.server.close();
    },
  };
}
