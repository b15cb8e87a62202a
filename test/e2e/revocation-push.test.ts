// Revocation seen in seconds across organizations (#17 item 5), on two real nodes on loopback with
// real did:web resolution: support (Helpdesk Tools) issues customer-support's credential; bank (Northwind
// Bank) verifies it at each action, with a maximum status age of ten minutes, so only the notice can
// explain a refusal within seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { act, handshake } from '../../src/node/peer.js';
import { accredit } from '../../src/node/registry.js';
import { changeStatus } from '../../src/node/status.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

const TEN_MINUTES = 600;

describe('revocation push: a revocation at one organization is refused by the other within seconds', () => {
  let bank: RunningNode;
  let support: RunningNode;
  let teller: string;
  let credentialId: string;
  const failures: unknown[] = [];
  const refund = () => ({ agent: 'customer-support', peer: teller, action: 'call', resource: 'billing:refund', amount: { value: 5, currency: 'USD' } });

  beforeAll(async () => {
    const statusPush = { onError: (error: unknown) => failures.push(error) };
    bank = await startNode('bank', { sessionLifetimeSeconds: 3600, verifier: { maxStatusAgeSeconds: TEN_MINUTES }, statusPush });
    support = await startNode('support', { verifier: { maxStatusAgeSeconds: TEN_MINUTES }, statusPush });
    // The bank trusts support's credentials; support trusts the bank as a party (so it takes its subscription).
    await accredit(bank.node, { issuer: support.did, capabilities: ['call:billing:refund'] });
    await accredit(support.node, { issuer: bank.did, capabilities: ['serve:billing:*'] });
    teller = (await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@northwind.example' })).did;
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    await createAgent(support.node, { name: 'customer-support', owner: 'mailto:carol@helpdesk.example' });
    credentialId = (await issueToAgent(support.node, { agent: 'customer-support', capabilities: [{ action: 'call', resource: 'billing:refund' }] })).id;
  });
  afterAll(async () => {
    await bank?.server.close();
    await support?.server.close();
  });

  it('subscribes in the background when the bank first relies on support’s list, without delaying the action', async () => {
    await handshake(support.node, { agent: 'customer-support', peer: teller });
    expect(await act(support.node, refund())).toMatchObject({ decision: 'allow' });
    await bank.node.services.statusPush.idle();
    const [subscription] = bank.node.services.statusPush.subscriptions();
    expect(subscription).toMatchObject({ issuer: support.did, subscribed: true });
    expect(subscription!.lists.every((url) => url.startsWith(`${support.url}/status/`))).toBe(true);
    expect(failures).toEqual([]);
  });

  it('refuses the revoked credential within 5 s of the revocation, inside a 10-minute status age', async () => {
    // Cached at the bank: allowed until a notice arrives.
    expect(await act(support.node, refund())).toMatchObject({ decision: 'allow' });
    const revokedAt = performance.now();
    await changeStatus(support.node, credentialId, 'revoke');
    let decision: { decision: string; reasons: { code: string }[] } | undefined;
    while (performance.now() - revokedAt < 5000) {
      decision = await act(support.node, refund());
      if (decision.decision !== 'allow') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const delay = performance.now() - revokedAt;
    expect(decision).toMatchObject({ decision: 'deny' });
    expect(decision!.reasons.map((r) => r.code)).toContain('ERR_REVOKED');
    expect(delay).toBeLessThan(5000);
    await support.node.services.statusPush.idle();
    expect(failures).toEqual([]);
  });
});
