// OpenTelemetry spans across two real nodes on loopback (#18 item 4): the answering node traces the handshake,
// the credential verifications it makes and the signed action, naming agents, decisions and codes, never a token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/node/agents.js';
import { issueToAgent } from '../../src/node/issue.js';
import { act, handshake } from '../../src/node/peer.js';
import { accredit } from '../../src/node/registry.js';
import { assertNoSecret, captureSpans } from '../helpers/spans.js';
import { startNode, type RunningNode } from '../helpers/federation.js';

describe('spans of a handshake and a signed action', () => {
  let bank: RunningNode;
  let support: RunningNode;
  let capture: ReturnType<typeof captureSpans>;

  beforeAll(async () => {
    capture = captureSpans();
    bank = await startNode('bank', { statusPush: { enabled: false } });
    support = await startNode('support', { statusPush: { enabled: false } });
    await accredit(bank.node, { issuer: support.did, capabilities: ['call:billing:refund'] });
    await accredit(support.node, { issuer: bank.did, capabilities: ['serve:billing:*'] });
    await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@bank.example' });
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    await createAgent(support.node, { name: 'helper', owner: 'mailto:dana@support.example' });
    await issueToAgent(support.node, { agent: 'helper', capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } }] });
  });
  afterAll(async () => {
    capture.release();
    await bank?.server.close();
    await support?.server.close();
  });

  it('names the agent, the decision and the reason code', async () => {
    const teller = (await bank.node.store.getAgent('teller'))!.did;
    const helper = (await support.node.store.getAgent('helper'))!.did;
    await handshake(support.node, { agent: 'helper', peer: teller });
    const refund = (value: number) => ({ agent: 'helper', peer: teller, action: 'call', resource: 'billing:refund', amount: { value, currency: 'USD' } });
    expect((await act(support.node, refund(10))).decision).toBe('allow');
    expect((await act(support.node, refund(500))).decision).toBe('deny');

    const named = (name: string) => capture.spans.filter((s) => s.name === name);
    expect(named('legate.handshake').find((s) => s.attributes['legate.message_type'] === 'advertise')?.attributes).toMatchObject({
      'legate.agent': helper,
      'legate.audience': teller,
      'legate.decision': 'allow',
    });
    expect(named('legate.action').map((s) => s.attributes)).toEqual([
      expect.objectContaining({ 'legate.agent': helper, 'legate.audience': teller, 'legate.action': 'call', 'legate.decision': 'allow' }),
      expect.objectContaining({ 'legate.decision': 'deny', 'legate.reason_code': 'ERR_CONSTRAINT_AMOUNT' }),
    ]);
    expect(named('legate.credential.verify').some((s) => s.attributes['legate.verified'] === true && s.attributes['legate.credential.issuer'] === support.did)).toBe(true);
    assertNoSecret(capture.spans, []);
  });
});
