// acme -> alice -> sub (a did:key the agent manages); bank decides what the
// holder may do, through a Veramo agent; mallory presents what is not hers.
import { describe, expect, it } from 'vitest';
import type { Capability } from '../../src/credential/types.js';
import { signCompactJws } from '../../src/lib/jws.js';
import { acme, alice, mallory } from '../fixtures.js';
import { listServer, REVOCATION_URL, revocationEntry, signedList } from '../status/helpers.js';
import { agentDidKey, BANK, jwtOf, legateAgent, type LegateAgent, NONCE, overJson, rejection } from './helpers.js';

const refund = (max: number): Capability => ({ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: max, currency: 'USD' } } });
const closeAccount: Capability = { action: 'close', resource: 'billing:account', constraints: { requireApproval: true } };
const readCrm: Capability = { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' };
const usd = (value: number) => ({ value, currency: 'USD' });
const codesOf = (d: { reasons: { code: string }[] }) => d.reasons.map((r) => r.code);

async function chainOf(agent: LegateAgent) {
  const sub = await agentDidKey(agent);
  const root = await agent.legateIssueCapabilityCredential({
    issuer: acme.did,
    subject: { id: alice.did, owner: alice.owner, capabilities: [refund(100), closeAccount, readCrm], delegation: { depth: 0, maxDepth: 1 } },
  });
  const child = await agent.legateDelegateCapability({ parent: jwtOf(root), to: sub, capabilities: [refund(20), closeAccount] });
  return { sub, root, child };
}

describe('legateAuthorize with a presentation', () => {
  it('allows within the limits, naming the capability and the attribution; denies above them with the code', async () => {
    const agent = legateAgent();
    const { sub, root, child } = await chainOf(agent);
    const { presentation } = await agent.legateCreatePresentation({ holder: sub, credentials: [jwtOf(child), jwtOf(root)], audience: BANK, nonce: NONCE });
    const presented = { presentation, audience: BANK, nonce: NONCE };

    const allowed = await agent.legateAuthorize({ request: { action: 'call', resource: 'billing:refund', amount: usd(15) }, presentation: presented });
    expect(allowed).toEqual({
      decision: 'allow',
      capability: refund(20),
      credentialId: child.id,
      reasons: [],
      holder: sub,
      attribution: [
        { role: 'issuer', id: acme.did },
        { role: 'owner', id: alice.owner },
        { role: 'agent', id: alice.did, credential: root.id },
        { role: 'sub-agent', id: sub, credential: child.id },
      ],
      errors: [],
    });
    expect(overJson(allowed)).toEqual(allowed);

    const over = await agent.legateAuthorize({ request: { action: 'call', resource: 'billing:refund', amount: usd(50) }, presentation: presented });
    expect(over).toMatchObject({ decision: 'deny', holder: sub });
    expect(codesOf(over)).toEqual(['ERR_CONSTRAINT_AMOUNT']);
    // alice's read capability was not delegated to sub.
    expect(codesOf(await agent.legateAuthorize({ request: { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' }, presentation: presented }))).toEqual([
      'ERR_NOT_AUTHORIZED',
    ]);
  });

  it('asks for approval, and allows once the caller says the approval was verified', async () => {
    const agent = legateAgent();
    const { sub, root, child } = await chainOf(agent);
    const { presentation } = await agent.legateCreatePresentation({ holder: sub, credentials: [jwtOf(child), jwtOf(root)], audience: BANK, nonce: NONCE });
    const request = { action: 'close', resource: 'billing:account' };
    const pending = await agent.legateAuthorize({ request, presentation: { presentation, audience: BANK, nonce: NONCE } });
    expect(pending).toMatchObject({ decision: 'approval_required', capability: closeAccount });
    expect(codesOf(pending)).toEqual(['ERR_APPROVAL_REQUIRED']);
    expect((await agent.legateAuthorize({ request, presentation: { presentation, audience: BANK, nonce: NONCE }, approved: true })).decision).toBe('allow');
  });

  it("denies everything for a presentation that fails as a whole: another verifier's challenge, or mallory holding sub's chain", async () => {
    const agent = legateAgent();
    const { sub, root, child } = await chainOf(agent);
    const request = { action: 'call', resource: 'billing:refund', amount: usd(1) };
    const { presentation } = await agent.legateCreatePresentation({ holder: sub, credentials: [jwtOf(child), jwtOf(root)], audience: BANK, nonce: NONCE });
    const replayed = await agent.legateAuthorize({ request, presentation: { presentation, audience: BANK, nonce: 'another-challenge' } });
    expect(replayed).toMatchObject({ decision: 'deny', errors: [{ code: 'ERR_NONCE' }] });
    expect(codesOf(replayed)).toEqual(['ERR_NONCE']);

    const thief = legateAgent({ plugin: { signers: [mallory.signer] } });
    const stolen = await thief.legateCreatePresentation({ holder: mallory.did, credentials: [jwtOf(child), jwtOf(root)], audience: BANK, nonce: NONCE });
    const denied = await agent.legateAuthorize({ request, presentation: { presentation: stolen.presentation, audience: BANK, nonce: NONCE } });
    expect(denied).toMatchObject({ decision: 'deny', holder: mallory.did });
    expect(codesOf(denied)).toEqual(['ERR_HOLDER_BINDING']);
  });
});

describe('legateAuthorize with bare chains', () => {
  it('decides by the chains that verify, and explains a denial by the failure of a covering chain', async () => {
    // acme's revocation list has the bit of alice's refund credential set.
    const server = listServer({ [REVOCATION_URL]: { body: await signedList({ set: [42] }) } });
    const agent = legateAgent({ plugin: { checkStatus: true, status: { fetch: server.fetch } } });
    const revoked = await agent.legateIssueCapabilityCredential({
      issuer: acme.did,
      subject: { id: alice.did, owner: alice.owner, capabilities: [refund(100)] },
      credentialStatus: [revocationEntry(42)],
    });
    const reader = await agent.legateIssueCapabilityCredential({
      issuer: acme.did,
      subject: { id: alice.did, owner: alice.owner, capabilities: [readCrm] },
      credentialStatus: [revocationEntry(7)],
    });
    const chains = [[jwtOf(revoked)], [jwtOf(reader)]];
    const read = await agent.legateAuthorize({ request: { action: 'read', resource: 'crm:customer_records', scope: 'assigned_tickets_only' }, chains });
    expect(read).toMatchObject({ decision: 'allow', credentialId: reader.id });
    expect(read.errors.map((e) => e.code)).toEqual(['ERR_REVOKED']); // reported, though it did not bear on this request
    const refundDecision = await agent.legateAuthorize({ request: { action: 'call', resource: 'billing:refund', amount: usd(10) }, chains });
    expect(refundDecision.decision).toBe('deny');
    expect(codesOf(refundDecision)).toEqual(['ERR_REVOKED']);
  });

  it('denies by a signed credential that is malformed: ERR_NOT_AUTHORIZED, its ERR_SCHEMA among the errors', async () => {
    const agent = legateAgent();
    // Signed by acme, but with no capabilities: only the schema check can tell.
    const hollow = await signCompactJws(
      { '@context': ['https://www.w3.org/ns/credentials/v2', 'https://legate.dev/ns/v1'], id: 'urn:uuid:hollow', type: ['VerifiableCredential', 'AgentCapabilityCredential'], issuer: acme.did, validFrom: '2026-03-01T00:00:00Z', credentialSubject: { id: alice.did, owner: alice.owner } },
      acme.signer,
      { typ: 'vc+jwt' },
    );
    const decision = await agent.legateAuthorize({ request: { action: 'call', resource: 'billing:refund' }, chains: [[hollow]] });
    expect(decision).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_NOT_AUTHORIZED' }] });
    expect(decision.errors.map((e) => e.code)).toContain('ERR_SCHEMA');
  });

  it('refuses neither or both of presentation and chains, and a malformed request is a deny with ERR_MALFORMED', async () => {
    const agent = legateAgent();
    const { root } = await chainOf(agent);
    const request = { action: 'call', resource: 'billing:refund' };
    expect(await rejection(agent.legateAuthorize({ request }))).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'chains' });
    const both = agent.legateAuthorize({ request, chains: [[jwtOf(root)]], presentation: { presentation: 'x', audience: BANK, nonce: NONCE } });
    expect(await rejection(both)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'presentation' });
    const wildcard = await agent.legateAuthorize({ request: { action: '*', resource: 'billing:refund' }, chains: [[jwtOf(root)]] });
    expect(wildcard).toMatchObject({ decision: 'deny', reasons: [{ code: 'ERR_MALFORMED' }] });
  });
});
