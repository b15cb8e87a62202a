// An action's single-use claim commits with its decision (node/actions, node/replay claimHeld): of an action and
// its replay, sent at once, one is decided and the other refused ERR_REPLAY with nothing recorded; a refused
// (uncovered) action burns its jti too. An issuer accredited by bank gives its agent 300 USD/day of refunds.
// A node decodes a signed action once (node/actions reads who sent it, then verifies that decoding), and the
// verifier's bound still holds for it: an action the node can read (128 KiB) but longer than a signed action may be
// (64 KiB) is refused ERR_INPUT_TOO_LARGE, as verifySignedAction refuses it on its own.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSignedAction } from '../../src/action/create.js';
import { readAudit } from '../../src/audit/read.js';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { MAX_ACTION_LENGTH } from '../../src/action/types.js';
import { signCompactJws } from '../../src/lib/jws.js';
import { handleAction, MAX_ACTION_LENGTH as NODE_READ_LENGTH } from '../../src/node/actions.js';
import { accredit } from '../../src/node/registry.js';
import { claimHeld, heldReplayCache } from '../../src/node/replay.js';
import { NOW } from '../fixtures.js';
import { actWith, handshakeWith, openVerifier, type Verifier } from '../helpers/verifier.js';

const clock = () => new Date(NOW.getTime());
const REFUND = { action: 'call', resource: 'billing:refund' };
const usd = (value: number) => ({ value, currency: 'USD' });
let v: Verifier;

beforeEach(async () => {
  v = await openVerifier(clock);
});
afterEach(() => v.node.close());

async function session() {
  const issuer = generateEphemeralSigner();
  await accredit(v.node, { issuer: issuer.did, capabilities: ['call:billing:refund'] });
  const agent = generateEphemeralSigner();
  const root = await issueCapabilityCredential({
    issuer: issuer.did,
    signer: issuer,
    subject: { id: agent.did, owner: 'mailto:carol@helpdesk.example', capabilities: [{ ...REFUND, constraints: { budget: { ...usd(300), period: 'P1D' } } }] },
    clock,
  });
  const s = await handshakeWith(v, agent, [root.jwt], [REFUND], clock);
  expect(s.token).not.toBe('');
  const sign = (request: { action: string; resource: string; amount?: { value: number; currency: string } }) =>
    createSignedAction({ signer: agent, audience: v.teller, session: s.token, action: request.action, resource: request.resource, params: request.amount === undefined ? {} : { amount: request.amount }, clock });
  return { agent, token: s.token, sign };
}

async function decisions() {
  const found: (string | undefined)[] = [];
  for await (const e of readAudit(v.node.store)) if (e.type === 'action') found.push(`${e.decision} ${e.reasons?.join(',') ?? ''}`.trim());
  return found;
}

describe('an action and its replay', () => {
  it('sent at once: one is decided, the other refused ERR_REPLAY, and its amount is never spent', async () => {
    const { agent, token, sign } = await session();
    const signed = await sign({ ...REFUND, amount: usd(200) });
    // Claimed in the decision's transaction only, never in a commit of its own.
    const alone = [vi.spyOn(v.node.store, 'claimOnce'), vi.spyOn(v.node.store, 'claimEach')];
    const outcomes = await Promise.allSettled([handleAction(v.node, signed.token), handleAction(v.node, signed.token)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value.decision)).toEqual(['allow']);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o.reason as { code: string }).code)).toEqual(['ERR_REPLAY']);
    for (const spy of alone) expect(spy).not.toHaveBeenCalled();
    // 200 spent once: 100 more fits the 300, then nothing does.
    expect((await actWith(v, agent, token, { ...REFUND, amount: usd(100) }, clock)).decision).toBe('allow');
    const over = await actWith(v, agent, token, { ...REFUND, amount: usd(1) }, clock);
    expect(over.reasons.map((r) => r.code)).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect(await decisions()).toEqual(['allow', 'deny ERR_REPLAY', 'allow', 'deny ERR_BUDGET_EXCEEDED']);
  });

  it('a replay of an action already decided is refused at verification, before any work of deciding', async () => {
    const { sign } = await session();
    const signed = await sign({ ...REFUND, amount: usd(5) });
    expect((await handleAction(v.node, signed.token)).decision).toBe('allow');
    // Deciding starts by reading the chains behind the session: never reached.
    const chains = vi.spyOn(v.node.services.exchange, 'sessionChains');
    await expect(handleAction(v.node, signed.token)).rejects.toMatchObject({ code: 'ERR_REPLAY', claim: 'jti' });
    expect(chains).not.toHaveBeenCalled();
    expect(await decisions()).toEqual(['allow', 'deny ERR_REPLAY']);
  });

  it('an action no capability covers is denied once; its replay is refused ERR_REPLAY', async () => {
    const { sign } = await session();
    const signed = await sign({ action: 'close', resource: 'billing:account' });
    expect((await handleAction(v.node, signed.token)).reasons.map((r) => r.code)).toEqual(['ERR_NOT_AUTHORIZED']);
    await expect(handleAction(v.node, signed.token)).rejects.toMatchObject({ code: 'ERR_REPLAY', claim: 'jti' });
    expect(await decisions()).toEqual(['deny ERR_NOT_AUTHORIZED', 'deny ERR_REPLAY']);
  });
});

describe('a signed action decoded once by the node', () => {
  it('longer than a signed action may be, though the node reads it: ERR_INPUT_TOO_LARGE, nothing decided', async () => {
    const { agent, token: sessionToken } = await session();
    const iat = Math.floor(NOW.getTime() / 1000);
    const payload = { iss: agent.did, aud: v.teller, jti: 'urn:uuid:0190a5e4-0000-7000-8000-000000000001', iat, session: sessionToken, ...REFUND, params: { note: 'x'.repeat(MAX_ACTION_LENGTH) } };
    const token = await signCompactJws(payload, agent, { typ: 'action+jwt' });
    expect(token.length).toBeGreaterThan(MAX_ACTION_LENGTH);
    expect(token.length).toBeLessThanOrEqual(NODE_READ_LENGTH);
    await expect(handleAction(v.node, token)).rejects.toMatchObject({ code: 'ERR_INPUT_TOO_LARGE', claim: 'token' });
  });
});

describe('claimHeld', () => {
  it('claims what a verification held in one statement, until the latest expiry; a second claim is ERR_REPLAY', async () => {
    const held = heldReplayCache();
    expect(await held.remember('action:jti a 1', new Date(NOW.getTime() + 60_000))).toBe(true);
    expect(await held.remember('action:jti a 2', new Date(NOW.getTime() + 120_000))).toBe(true);
    const calls: [readonly string[], string, string][] = [];
    const store = { claimEach: (keys: readonly string[], until: string, now: string) => (calls.push([keys, until, now]), Promise.resolve(calls.length === 1 ? -1 : 1)) };
    await claimHeld(store, held, NOW, 'jti');
    expect(calls).toEqual([[['action:jti a 1', 'action:jti a 2'], new Date(NOW.getTime() + 120_000).toISOString(), NOW.toISOString()]]);
    await expect(claimHeld(store, held, NOW, 'jti')).rejects.toMatchObject({ code: 'ERR_REPLAY', claim: 'jti' });
    await claimHeld(store, heldReplayCache(), NOW, 'jti');
    expect(calls).toHaveLength(2);
  });

  it('with a store to read, answers a key already claimed as a replay at once, and holds only new ones', async () => {
    const asked: (readonly string[])[] = [];
    const store = { firstClaimed: (keys: readonly string[]) => (asked.push(keys), Promise.resolve(keys[0] === 'seen' ? 0 : -1)) };
    const held = heldReplayCache({ store, clock });
    expect(await held.remember('seen', new Date(NOW.getTime() + 60_000))).toBe(false);
    expect(await held.remember('new', new Date(NOW.getTime() + 60_000))).toBe(true);
    expect(held.held.map((h) => h.key)).toEqual(['new']);
    expect(asked).toEqual([['seen'], ['new']]);
  });

  it('holds a message’s keys together: the index of the first already claimed or named twice, nothing held then', async () => {
    const store = { firstClaimed: (keys: readonly string[]) => Promise.resolve(keys.indexOf('seen')) };
    const until = new Date(NOW.getTime() + 60_000);
    const held = heldReplayCache({ store, clock });
    expect(await held.rememberEach!(['id:1', 'seen'], until)).toBe(1);
    expect(held.held).toEqual([]);
    expect(await held.rememberEach!(['id:2', 'nonce:2'], until)).toBe(-1);
    expect(held.held.map((h) => h.key)).toEqual(['id:2', 'nonce:2']);
    const alone = heldReplayCache();
    expect(await alone.rememberEach!(['id:3', 'nonce:3', 'id:3'], until)).toBe(2);
    expect(alone.held).toEqual([]);
  });
});
