// Budgets and rate limits over delegation trees, at one verifier (issue #13 items 1, 7, 14, 15):
//   issuer (did:key, accredited by bank) -> agent (300 USD/day) -> sub-agents (fresh did:keys, siblings, itself)
//   bank -> teller decides every action in process, at an injected clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionHash } from '../../src/action/hash.js';
import { issueApproval } from '../../src/action/approval.js';
import { readAudit } from '../../src/audit/read.js';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import type { Capability, Constraints } from '../../src/credential/types.js';
import { delegateCapability } from '../../src/delegation/delegate.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { accredit } from '../../src/node/registry.js';
import { NOW } from '../fixtures.js';
import { actWith, handshakeWith, openVerifier, type Verifier } from '../helpers/verifier.js';

let now: Date;
const clock = () => new Date(now.getTime());
let v: Verifier;
let issuer: ReturnType<typeof generateEphemeralSigner>;

const REFUND = { action: 'call', resource: 'billing:refund' };
const usd = (value: number) => ({ value, currency: 'USD' });
const refund = (constraints: Constraints): Capability => ({ ...REFUND, constraints });
const daily = (value: number): Constraints => ({ budget: { ...usd(value), period: 'P1D' } });
const codes = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);

beforeEach(async () => {
  now = new Date(NOW.getTime());
  v = await openVerifier(clock);
  issuer = generateEphemeralSigner();
  await accredit(v.node, { issuer: issuer.did, capabilities: ['call:billing:refund', 'close:billing:account'], maxDelegationDepth: 3 });
});
afterEach(() => v.node.close());

async function rootTo(agent: { did: string }, capabilities: Capability[], owner = 'mailto:carol@helpdesk.example') {
  return issueCapabilityCredential({
    issuer: issuer.did,
    signer: issuer,
    subject: { id: agent.did, owner, capabilities, delegation: { depth: 0, maxDepth: 3 } },
    clock,
  });
}

async function actionEntries() {
  const entries = [];
  for await (const e of readAudit(v.node.store)) if (e.type === 'action') entries.push(e);
  return entries;
}

/** A holder's session over one chain (leaf first), and a refund of `value` USD under it. */
async function sessionFor(holder: ReturnType<typeof generateEphemeralSigner>, chain: string[]) {
  const session = await handshakeWith(v, holder, chain, [REFUND], clock);
  expect(session.token).not.toBe('');
  expect(session.accepted).toEqual({ ok: true, codes: [] });
  return (value: number) => actWith(v, holder, session.token, { ...REFUND, amount: usd(value) }, clock);
}

describe('budgets over delegation trees', () => {
  it('three children given to fresh sub-agents share their parent’s 300 USD/day (900 allowed before)', async () => {
    const agent = generateEphemeralSigner();
    const root = await rootTo(agent, [refund(daily(300))]);
    let allowed = 0;
    for (let i = 0; i < 3; i += 1) {
      const sub = generateEphemeralSigner();
      const child = await delegateCapability({ parent: root.credential, signer: agent, to: sub.did, capabilities: [refund(daily(300))], clock });
      const spend = await sessionFor(sub, [child.jwt, root.jwt]);
      const decision = await spend(300);
      if (decision.decision === 'allow') allowed += 300;
      else expect(codes(decision)).toEqual(['ERR_BUDGET_EXCEEDED']);
    }
    expect(allowed).toBe(300);
  });

  it('two sibling children held by one sub-agent, and children delegated to oneself, share the root budget', async () => {
    const agent = generateEphemeralSigner();
    const root = await rootTo(agent, [refund(daily(300))]);
    const sub = generateEphemeralSigner();
    const first = await delegateCapability({ parent: root.credential, signer: agent, to: sub.did, capabilities: [refund(daily(200))], clock });
    const second = await delegateCapability({ parent: root.credential, signer: agent, to: sub.did, capabilities: [refund(daily(200))], clock });
    const own = await delegateCapability({ parent: root.credential, signer: agent, to: agent.did, capabilities: [refund(daily(300))], clock });
    expect((await (await sessionFor(sub, [first.jwt, root.jwt]))(150)).decision).toBe('allow');
    const viaSecond = await sessionFor(sub, [second.jwt, root.jwt]);
    expect((await viaSecond(100)).decision).toBe('allow');
    // 250 spent: the root has 50 left, whichever child asks.
    expect(codes(await viaSecond(60))).toEqual(['ERR_BUDGET_EXCEEDED']);
    const viaSelf = await sessionFor(agent, [own.jwt, root.jwt]);
    expect(codes(await viaSelf(60))).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect((await viaSelf(50)).decision).toBe('allow');
    // The root itself, used directly, is spent too; a day later the window has rolled.
    const direct = await sessionFor(agent, [root.jwt]);
    expect(codes(await direct(1))).toEqual(['ERR_BUDGET_EXCEEDED']);
    now = new Date(now.getTime() + 86_400_000 + 1000);
    expect((await direct(300)).decision).toBe('allow');
  });

  it('a grandchild counts against its parent and the root; the denial names the ancestor', async () => {
    const agent = generateEphemeralSigner();
    const root = await rootTo(agent, [refund(daily(100))]);
    const sub = generateEphemeralSigner();
    const child = await delegateCapability({ parent: root.credential, signer: agent, to: sub.did, capabilities: [refund(daily(100))], maxDepth: 3, clock });
    const leaf = generateEphemeralSigner();
    const grandchild = await delegateCapability({ parent: child.credential, signer: sub, to: leaf.did, capabilities: [refund(daily(100))], clock });
    const viaChild = await sessionFor(sub, [child.jwt, root.jwt]);
    expect((await viaChild(70)).decision).toBe('allow');
    const viaGrandchild = await sessionFor(leaf, [grandchild.jwt, child.jwt, root.jwt]);
    const denied = await viaGrandchild(40);
    expect(codes(denied)).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect(denied.reasons[0]!.message).toContain(`ancestor credential ${child.id}`);
    const allowed = await viaGrandchild(30);
    expect(allowed).toMatchObject({ decision: 'allow', credentialId: grandchild.id });
    // The audit entry names every credential charged, leaf first.
    const entries = await actionEntries();
    expect(entries.at(-1)).toMatchObject({ decision: 'allow', credentials: [grandchild.id, child.id, root.id] });
  });

  it('a rate limit on the root binds every descendant', async () => {
    const agent = generateEphemeralSigner();
    const root = await rootTo(agent, [refund({ rateLimit: { count: 2, period: 'PT1H' } })]);
    const spends = [];
    for (let i = 0; i < 3; i += 1) {
      const sub = generateEphemeralSigner();
      const child = await delegateCapability({ parent: root.credential, signer: agent, to: sub.did, capabilities: [refund({ rateLimit: { count: 2, period: 'PT1H' } })], clock });
      spends.push(await sessionFor(sub, [child.jwt, root.jwt]));
    }
    expect((await spends[0]!(1)).decision).toBe('allow');
    expect((await spends[1]!(1)).decision).toBe('allow');
    expect(codes(await spends[2]!(1))).toEqual(['ERR_RATE_LIMITED']);
    now = new Date(now.getTime() + 3_600_000 + 1000);
    expect((await spends[2]!(1)).decision).toBe('allow');
  });

  it('a shared (credential-level) budget of an ancestor binds its subtree too', async () => {
    const agent = generateEphemeralSigner();
    const root = await issueCapabilityCredential({
      issuer: issuer.did,
      signer: issuer,
      subject: { id: agent.did, owner: 'mailto:carol@helpdesk.example', capabilities: [REFUND], constraints: daily(50), delegation: { depth: 0, maxDepth: 3 } },
      clock,
    });
    const a = generateEphemeralSigner();
    const b = generateEphemeralSigner();
    const childA = await delegateCapability({ parent: root.credential, signer: agent, to: a.did, capabilities: [REFUND], constraints: daily(50), clock });
    const childB = await delegateCapability({ parent: root.credential, signer: agent, to: b.did, capabilities: [REFUND], constraints: daily(50), clock });
    expect((await (await sessionFor(a, [childA.jwt, root.jwt]))(40)).decision).toBe('allow');
    expect(codes(await (await sessionFor(b, [childB.jwt, root.jwt]))(40))).toEqual(['ERR_BUDGET_EXCEEDED']);
  });

  it('sums spend exactly: 0.1 + 0.2 meets a 0.3 budget, and one cent more is refused', async () => {
    const agent = generateEphemeralSigner();
    const root = await rootTo(agent, [refund(daily(0.3))]);
    const sub = generateEphemeralSigner();
    const child = await delegateCapability({ parent: root.credential, signer: agent, to: sub.did, capabilities: [refund(daily(0.3))], clock });
    const viaChild = await sessionFor(sub, [child.jwt, root.jwt]);
    const direct = await sessionFor(agent, [root.jwt]);
    expect((await direct(0.1)).decision).toBe('allow');
    expect((await viaChild(0.2)).decision).toBe('allow');
    expect(codes(await viaChild(0.01))).toEqual(['ERR_BUDGET_EXCEEDED']);
    expect((await direct(0)).decision).toBe('allow');
  });
});

describe('overlapping credentials (item 14)', () => {
  it('a 30 USD refund uses the 100 USD credential when the 20 USD one refuses it; smaller ones use the first presented', async () => {
    const agent = generateEphemeralSigner();
    const small = await rootTo(agent, [refund({ maxAmount: usd(20) })]);
    const large = await rootTo(agent, [refund({ maxAmount: usd(100) })]);
    const spend = await sessionFor(agent, [small.jwt, large.jwt]);
    // Both are trusted for the one intent, and the agent accepts a session carrying both.
    const session = await handshakeWith(v, agent, [small.jwt, large.jwt], [REFUND], clock);
    expect(session.trusted.map((t) => t.credential)).toEqual([small.id, large.id]);
    expect(session.accepted).toEqual({ ok: true, codes: [] });
    expect(await spend(30)).toMatchObject({ decision: 'allow', credentialId: large.id });
    expect(await spend(10)).toMatchObject({ decision: 'allow', credentialId: small.id });
    expect(codes(await spend(150))).toEqual(['ERR_CONSTRAINT_AMOUNT']);
  });

  it('the more specific capability is tried first, and the broader one still allows what it refuses', async () => {
    await accredit(v.node, { issuer: issuer.did, capabilities: ['call:billing:*'], maxDelegationDepth: 3 });
    const agent = generateEphemeralSigner();
    const broad = await rootTo(agent, [{ action: 'call', resource: 'billing:*', constraints: { maxAmount: usd(100) } }]);
    const narrow = await rootTo(agent, [refund({ maxAmount: usd(20) })]);
    const session = await handshakeWith(v, agent, [broad.jwt, narrow.jwt], [REFUND], clock);
    const spend = (value: number) => actWith(v, agent, session.token, { ...REFUND, amount: usd(value) }, clock);
    expect(await spend(10)).toMatchObject({ decision: 'allow', credentialId: narrow.id });
    expect(await spend(50)).toMatchObject({ decision: 'allow', credentialId: broad.id });
  });
});

describe('approvals and handshake reasons', () => {
  it('records the approver and the approval id in the audit entry of an approved action (item 7)', async () => {
    const owner = generateEphemeralSigner();
    const agent = generateEphemeralSigner();
    const close = { action: 'close', resource: 'billing:account' };
    const root = await rootTo(agent, [{ ...close, constraints: { requireApproval: true } }], owner.did);
    const session = await handshakeWith(v, agent, [root.jwt], [close], clock);
    expect(await actWith(v, agent, session.token, close, clock)).toMatchObject({ decision: 'approval_required', reasons: [{ code: 'ERR_APPROVAL_REQUIRED' }] });
    const hash = actionHash({ iss: agent.did, aud: v.teller, ...close, params: {} });
    const approval = await issueApproval({ signer: owner, actionHash: hash, ...close, agent: agent.did, audience: v.teller, clock });
    expect(await actWith(v, agent, session.token, { ...close, approval: approval.jwt }, clock)).toMatchObject({ decision: 'allow' });
    const entries = await actionEntries();
    expect(entries.at(-2)).not.toHaveProperty('approver');
    expect(entries.at(-1)).toMatchObject({ decision: 'allow', approver: owner.did, approval: approval.id, credentials: [root.id] });
  });

  it('refuses an action under an intent the handshake rejected with the handshake’s reason (item 15)', async () => {
    const agent = generateEphemeralSigner();
    const trusted = await rootTo(agent, [refund({ maxAmount: usd(100) })]);
    const stranger = generateEphemeralSigner();
    const untrusted = await issueCapabilityCredential({
      issuer: stranger.did,
      signer: stranger,
      subject: { id: agent.did, owner: 'mailto:carol@helpdesk.example', capabilities: [{ action: 'write', resource: 'crm:tickets' }] },
      clock,
    });
    const session = await handshakeWith(v, agent, [trusted.jwt, untrusted.jwt], [REFUND, { action: 'write', resource: 'crm:tickets' }], clock);
    expect(session.rejected).toEqual([expect.objectContaining({ action: 'write', code: 'ERR_UNTRUSTED_ISSUER' })]);
    const write = await actWith(v, agent, session.token, { action: 'write', resource: 'crm:tickets' }, clock);
    expect(write).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_UNTRUSTED_ISSUER' }] });
    // An action nobody mentioned in the handshake is still simply not authorized.
    const other = await actWith(v, agent, session.token, { action: 'read', resource: 'crm:tickets' }, clock);
    expect(other).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_NOT_AUTHORIZED' }] });
  });
});
