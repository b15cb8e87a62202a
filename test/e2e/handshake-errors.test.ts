// Two real nodes on loopback: support's agent customer-support (A) handshakes with bank (B).
// What A is told when it addresses the wrong party: an agent holding no credential, an organization
// instead of an agent, a retired agent. Each answer names the fix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { handshake } from '../../src/node/peer.js';
import { accredit } from '../../src/node/registry.js';
import { retireAgent } from '../../src/node/retire.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

describe('handshake errors that name their fix', () => {
  let bank: RunningNode;
  let support: RunningNode;

  beforeAll(async () => {
    bank = await startNode('bank');
    support = await startNode('support');
    await accredit(bank.node, { issuer: support.did, capabilities: ['call:billing:refund'] });
    await createAgent(support.node, { name: 'customer-support', owner: 'mailto:carol@helpdesk.example' });
    await issueToAgent(support.node, { agent: 'customer-support', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
  }, 120_000);
  afterAll(async () => {
    await bank?.server.close();
    await support?.server.close();
  });

  it('a responding agent that holds no credential: ERR_NOT_AUTHORIZED, saying how to issue one (was ERR_NOT_FOUND)', async () => {
    const clerk = await createAgent(bank.node, { name: 'clerk', owner: 'mailto:ops@bank.example' });
    const refused = handshake(support.node, { agent: 'customer-support', peer: clerk.did });
    await expect(refused).rejects.toMatchObject({ code: 'ERR_NOT_AUTHORIZED' });
    await expect(refused).rejects.toThrow(/holds no unexpired capability credential.*legate cap issue clerk/);
    // Once the bank issues one, the same handshake goes through.
    await issueToAgent(bank.node, { agent: 'clerk', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    const result = await handshake(support.node, { agent: 'customer-support', peer: clerk.did });
    expect(result.trusted.map((t) => t.resource)).toEqual(['billing:refund']);
  });

  it('a handshake addressed to the organization: ERR_INVALID_ARGUMENT naming did:web:<host>:agents:<name> (was "(none listed)")', async () => {
    const refused = handshake(support.node, { agent: 'customer-support', peer: bank.did });
    await expect(refused).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', reason: 'organization' });
    await expect(refused).rejects.toThrow(`${bank.did}:agents:<name>`);
  });

  it('a retired agent: ERR_DID_DEACTIVATED', async () => {
    const teller = await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@bank.example' });
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    await retireAgent(bank.node, 'teller');
    await expect(handshake(support.node, { agent: 'customer-support', peer: teller.did })).rejects.toMatchObject({ code: 'ERR_DID_DEACTIVATED' });
  });
});
