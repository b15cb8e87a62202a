// Zero-downtime rotation between two real nodes on loopback:
//   support (Helpdesk Tools): customer-support (did:web agent) holds a refund capability
//   bank (Northwind Bank): teller (did:web agent) answers handshakes and actions
// A session opened before every key of both sides rotates carries on after,
// and a new handshake right after the rotation works too (the partner's cached
// DID documents are fetched again when they do not name the new keys).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { SignatureMemo } from '../../src/lib/signature-memo.js';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { rotateAgentKey, rotateOrganizationKey } from '../../src/node/key-rotate.js';
import { act, handshake } from '../../src/node/peer.js';
import { accredit } from '../../src/node/registry.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

let offset = 0;
const clock = () => new Date(Date.now() + offset);

describe('key rotation with live sessions', () => {
  let bank: RunningNode;
  let support: RunningNode;
  let teller: string;
  const refund = (value: number) => ({ agent: 'customer-support', peer: teller, action: 'call', resource: 'billing:refund', amount: { value, currency: 'USD' } });

  beforeAll(async () => {
    bank = await startNode('bank', { clock, sessionLifetimeSeconds: 3600 });
    support = await startNode('support', { clock });
    await accredit(bank.node, { issuer: support.did, capabilities: ['call:billing:refund'] });
    await accredit(support.node, { issuer: bank.did, capabilities: ['serve:billing:*'] });
    teller = (await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@northwind.example' })).did;
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    await createAgent(support.node, { name: 'customer-support', owner: 'mailto:carol@helpdesk.example' });
    await issueToAgent(support.node, { agent: 'customer-support', capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } }] });
  });
  afterAll(async () => {
    await bank?.server.close();
    await support?.server.close();
  });

  it('keeps a session opened before the rotation, and opens new ones after it', async () => {
    const before = await handshake(support.node, { agent: 'customer-support', peer: teller });
    expect(before.session).toBeDefined();
    expect(await act(support.node, refund(10))).toMatchObject({ decision: 'allow' });

    // Every key of both sides rotates.
    await rotateOrganizationKey(support.node);
    await rotateAgentKey(support.node, 'customer-support');
    await rotateOrganizationKey(bank.node);
    await rotateAgentKey(bank.node, 'teller');

    // The session in flight: its token (teller's old key), its credentials (support's old key) and its
    // actions (signed with the key the session is bound to) all still verify.
    const stored = (await support.node.store.getPeerSession('customer-support', teller))!;
    const boundKid = (decodeCompactJws(stored.token).payload.cnf as { kid: string }).kid;
    expect(boundKid).toMatch(/#key-1$/);
    // support reads the bound key from the decoding its handshake kept when it verified the token, not by decoding it again.
    expect((support.node.signatureMemo.decoded(stored.token)?.payload.cnf as { kid: string } | undefined)?.kid).toBe(boundKid);
    expect(await act(support.node, refund(20))).toMatchObject({ decision: 'allow' });
    // That decoding gone (a restart, or dropped from the memo's bound), the token is decoded: still the bound key.
    const kept = support.node.signatureMemo;
    (support.node as { signatureMemo: SignatureMemo }).signatureMemo = new SignatureMemo();
    try {
      expect(await act(support.node, refund(150))).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_CONSTRAINT_AMOUNT' }] });
      expect(support.node.signatureMemo.decoded(stored.token)).toBeUndefined();
    } finally {
      (support.node as { signatureMemo: SignatureMemo }).signatureMemo = kept;
    }

    // A new handshake after the rotation: everything is signed with the new keys, which bank finds
    // by fetching support's documents again (its cached copies do not name them).
    offset += 10_000;
    const after = await handshake(support.node, { agent: 'customer-support', peer: teller });
    expect(after.trusted.map((t) => t.resource)).toEqual(['billing:refund']);
    const renewed = (await support.node.store.getPeerSession('customer-support', teller))!;
    expect((decodeCompactJws(renewed.token).payload.cnf as { kid: string }).kid).toMatch(/#key-2$/);
    expect(decodeCompactJws(renewed.token).header.kid).toMatch(/agents:teller#key-2$/);
    expect(await act(support.node, refund(30))).toMatchObject({ decision: 'allow' });
  });
});
