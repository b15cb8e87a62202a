// An agent provisioned with more credentials than one presentation carries (32) still gets what it asks for:
//   support: customer-support holds one refund credential, then 40 newer CRM ones
//   bank: teller answers; bank accredits support for refunds only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { issueMany } from '../../src/node/issue-many.js';
import { handshake } from '../../src/node/peer.js';
import { accredit } from '../../src/node/registry.js';
import { MAX_PRESENTED_CREDENTIALS } from '../../src/presentation/create.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

describe('a handshake by an agent holding more than 32 credentials', () => {
  let bank: RunningNode;
  let support: RunningNode;
  let teller: string;

  beforeAll(async () => {
    bank = await startNode('bank', { statusPush: { enabled: false } });
    support = await startNode('support', { statusPush: { enabled: false } });
    await accredit(bank.node, { issuer: support.did, capabilities: ['call:billing:refund'] });
    await accredit(support.node, { issuer: bank.did, capabilities: ['serve:billing:*'] });
    teller = (await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@northwind.example' })).did;
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    await createAgent(support.node, { name: 'customer-support', owner: 'mailto:carol@helpdesk.example' });
    await issueToAgent(support.node, { agent: 'customer-support', capabilities: [{ action: 'call', resource: 'billing:refund' }] });
    const crm = Array.from({ length: MAX_PRESENTED_CREDENTIALS + 8 }, (_, i) => ({ agent: 'customer-support', capabilities: [{ action: 'read', resource: `crm:r${i}` }] }));
    await issueMany(support.node, crm);
  });
  afterAll(async () => {
    await bank?.server.close();
    await support?.server.close();
  });

  it('presents the old credential its intent needs, and the peer trusts it', async () => {
    const result = await handshake(support.node, { agent: 'customer-support', peer: teller, intents: [{ action: 'call', resource: 'billing:refund' }] });
    expect(result.trusted).toEqual([expect.objectContaining({ action: 'call', resource: 'billing:refund' })]);
    expect(result.rejected).toEqual([]);
    expect(result.session?.id).toMatch(/^urn:uuid:/);
  });

  it('without intents asks for what its newest 32 hold, CRM reads the peer trusts none of: refused', async () => {
    await expect(handshake(support.node, { agent: 'customer-support', peer: teller })).rejects.toMatchObject({ code: 'ERR_UNTRUSTED_ISSUER' });
  });
});
