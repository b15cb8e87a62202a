// Two real nodes on loopback: support's agents (alice, bob) handshake with bank's teller, and the handshake's confirm
// rides on the session's first action (node/confirm-carried, #19: one round trip fewer) instead of a POST /ace of its
// own. The bank records it with the action's decision, leaves a resent one out, and refuses a bad one with its code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSignedAction } from '../../src/action/create.js';
import type { AuditEntry } from '../../src/audit/types.js';
import { createConfirm } from '../../src/handshake/confirm.js';
import { handleAceMessage, MAX_ACE_MESSAGE_LENGTH } from '../../src/node/ace.js';
import { handleAction } from '../../src/node/actions.js';
import { createAgent } from '../../src/node/agents.js';
import type { NodeContext } from '../../src/node/context.js';
import { issueToAgent } from '../../src/node/issue.js';
import { act, handshake } from '../../src/node/peer.js';
import { accredit } from '../../src/node/registry.js';
import { agentSigner } from '../../src/node/signers.js';
import type { AgentRecord } from '../../src/store/types.js';
import { freePort, startNode, type RunningNode } from '../helpers/federation.js';

const OWNER = 'mailto:carol@support.example';
const payloadOf = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as { inReplyTo: string; nonce: string };
const REFUND = { action: 'call', resource: 'billing:refund', amount: { value: 1, currency: 'USD' } } as const;

describe('the confirm rides on the first action', () => {
  let bank: RunningNode;
  let support: RunningNode;
  let teller: AgentRecord;
  let alice: AgentRecord;
  let bob: AgentRecord;

  const entries = async (node: NodeContext) => (await node.store.listAuditEntries()).map((e) => JSON.parse(e.entry) as AuditEntry);
  const confirms = async () => (await entries(bank.node)).filter((e) => e.type === 'handshake' && e.action === 'confirm');
  const pending = async (agent: string) => (await support.node.store.getPeerSession(agent, teller.did))?.confirm;
  /** A fresh action of `agent` under its session with the teller. */
  const signed = async (agent: AgentRecord) => {
    const stored = (await support.node.store.getPeerSession(agent.name, teller.did))!;
    return (await createSignedAction({ signer: await agentSigner(support.node, agent), audience: teller.did, session: stored.token, ...REFUND, params: { amount: REFUND.amount } })).token;
  };

  beforeAll(async () => {
    bank = await startNode('bank');
    support = await startNode('support');
    teller = await createAgent(bank.node, { name: 'teller', owner: 'mailto:ops@bank.example' });
    await issueToAgent(bank.node, { agent: 'teller', capabilities: [{ action: 'serve', resource: 'billing:refunds' }] });
    await accredit(bank.node, { issuer: support.did, capabilities: ['call:billing:*'] });
    await accredit(support.node, { issuer: bank.did, capabilities: ['serve:billing:*'] });
    alice = await createAgent(support.node, { name: 'alice', owner: OWNER });
    bob = await createAgent(support.node, { name: 'bob', owner: OWNER });
    for (const name of ['alice', 'bob']) await issueToAgent(support.node, { agent: name, capabilities: [{ action: 'call', resource: 'billing:refund' }] });
  }, 120_000);
  afterAll(async () => {
    await bank?.server.close();
    await support?.server.close();
  });

  it('goes with the first action only: the bank logs it, with the verdict, just before that action', async () => {
    const before = (await entries(bank.node)).length;
    await handshake(support.node, { agent: 'alice', peer: teller.did });
    // Kept by support, not sent: the bank has the advertise and no confirm yet.
    expect(await pending('alice')).toMatch(/^ey/);
    expect(await confirms()).toEqual([]);
    expect((await act(support.node, { agent: 'alice', peer: teller.did, ...REFUND })).decision).toBe('allow');
    expect(await pending('alice')).toBeUndefined();
    expect((await act(support.node, { agent: 'alice', peer: teller.did, ...REFUND })).decision).toBe('allow');
    const added = (await entries(bank.node)).slice(before);
    expect(added.map((e) => `${e.type}:${e.action ?? ''}:${e.decision}`)).toEqual(['handshake:advertise:allow', 'handshake:confirm:allow', 'action:call:allow', 'action:call:allow']);
    expect(added[1]).toMatchObject({ agent: alice.did, details: { trusted: ['serve:billing:refunds'], rejected: [] } });
  });

  it('a confirm sent again (its answer lost) is left out, not refused', async () => {
    await handshake(support.node, { agent: 'alice', peer: teller.did });
    const confirm = (await pending('alice'))!;
    const before = (await confirms()).length;
    expect((await handleAction(bank.node, await signed(alice), { confirm })).decision).toBe('allow');
    expect((await handleAction(bank.node, await signed(alice), { confirm })).decision).toBe('allow');
    expect((await confirms()).length).toBe(before + 1);
  });

  it("refuses, with the confirm's code and nothing decided, a confirm that is not the action's agent's or does not answer", async () => {
    await handshake(support.node, { agent: 'bob', peer: teller.did });
    await handshake(support.node, { agent: 'alice', peer: teller.did });
    const bobs = (await pending('bob'))!;
    const alices = payloadOf((await pending('alice'))!);
    const signer = await agentSigner(support.node, alice);
    const verdict = { trusted: [], rejected: [] };
    const unanswered = await createConfirm({ signer, audience: teller.did, inReplyTo: 'urn:uuid:01890000-0000-7000-8000-000000000000', nonce: alices.nonce, verdict });
    const wrongChallenge = await createConfirm({ signer, audience: teller.did, inReplyTo: alices.inReplyTo, nonce: 'n'.repeat(32), verdict });
    const cases: [string, string, string][] = [
      [bobs, 'ERR_KID_INVALID', 'confirm.iss'],
      [unanswered.token, 'ERR_NOT_FOUND', 'confirm.inReplyTo'],
      [wrongChallenge.token, 'ERR_NONCE', 'confirm.nonce'],
      // Not a confirm at all: the action itself.
      [await signed(alice), 'ERR_MALFORMED', 'confirm.type'],
      // Past the bound of an ACE message: refused before it is decoded.
      [`${wrongChallenge.token}${'A'.repeat(MAX_ACE_MESSAGE_LENGTH)}`, 'ERR_INPUT_TOO_LARGE', 'confirm.token'],
    ];
    const before = (await entries(bank.node)).length;
    for (const [confirm, code, claim] of cases) {
      const action = await signed(alice);
      await expect(handleAction(bank.node, action, { confirm })).rejects.toMatchObject({ code, claim });
      // The action was not decided: sent again on its own, it is.
      expect((await handleAction(bank.node, action)).decision).toBe('allow');
    }
    const added = (await entries(bank.node)).slice(before);
    expect(added.filter((e) => e.type === 'handshake')).toEqual([]);
  });

  it('refused over HTTP the same way, and support keeps its confirm for the next action', async () => {
    await handshake(support.node, { agent: 'bob', peer: teller.did });
    const stored = (await support.node.store.getPeerSession('bob', teller.did))!;
    // Bob's session sent where nothing listens: nothing reached the bank, so the confirm stays for the next try.
    await support.node.store.putPeerSession({ ...stored, endpoint: `http://127.0.0.1:${await freePort()}/ace` });
    await expect(act(support.node, { agent: 'bob', peer: teller.did, ...REFUND })).rejects.toMatchObject({ code: 'ERR_PEER_UNREACHABLE' });
    expect(await pending('bob')).toBe(stored.confirm);
    await support.node.store.putPeerSession(stored);
    // Over HTTP, alice's confirm with bob's action: the problem carries its code; then bob's own goes through.
    await handshake(support.node, { agent: 'alice', peer: teller.did });
    const response = await fetch(`${bank.url}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: await signed(bob), confirm: await pending('alice') }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'ERR_KID_INVALID' });
    // A confirm that is no string is refused as the body's shape, before anything is verified.
    const shapeless = await fetch(`${bank.url}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: await signed(bob), confirm: 42 }),
    });
    expect(shapeless.status).toBe(400);
    expect(await shapeless.json()).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect((await act(support.node, { agent: 'bob', peer: teller.did, ...REFUND })).decision).toBe('allow');
    expect(await pending('bob')).toBeUndefined();
    expect((await confirms()).at(-1)).toMatchObject({ agent: bob.did });
  });

  it('an action the peer decided is answered even when forgetting the sent confirm fails; the next one carries it again', async () => {
    await handshake(support.node, { agent: 'alice', peer: teller.did });
    const confirm = await pending('alice');
    const store = support.node.store;
    const forget = store.forgetPeerConfirm.bind(store);
    store.forgetPeerConfirm = () => Promise.reject(new Error('disk full'));
    try {
      expect((await act(support.node, { agent: 'alice', peer: teller.did, ...REFUND })).decision).toBe('allow');
    } finally {
      store.forgetPeerConfirm = forget;
    }
    expect(await pending('alice')).toBe(confirm);
    const count = (await confirms()).length;
    expect((await act(support.node, { agent: 'alice', peer: teller.did, ...REFUND })).decision).toBe('allow');
    expect(await pending('alice')).toBeUndefined();
    expect((await confirms()).length).toBe(count);
  });

  it('a confirm sent on its own to POST /ace (by an initiator before this change) is still taken', async () => {
    await handshake(support.node, { agent: 'bob', peer: teller.did });
    const outcome = await handleAceMessage(bank.node, (await pending('bob'))!);
    expect(outcome).toMatchObject({ type: 'confirm', handling: { ok: true } });
    expect((await confirms()).at(-1)).toMatchObject({ agent: bob.did, details: { trusted: ['serve:billing:refunds'] } });
    // The same confirm with the first action is then left out.
    const count = (await confirms()).length;
    expect((await act(support.node, { agent: 'bob', peer: teller.did, ...REFUND })).decision).toBe('allow');
    expect((await confirms()).length).toBe(count);
  });
});
