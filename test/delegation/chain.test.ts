// acme -> alice -> sub-agent(s), and mallory trying to get in between.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capabilityCovers } from '../../src/capability/match.js';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import type { AgentCapabilityCredential, Capability } from '../../src/credential/types.js';
import { delegateCapability } from '../../src/delegation/delegate.js';
import { verifyChain } from '../../src/delegation/verify-chain.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { acme, alice, bob, frozenClock, mallory, NOW, personaResolver } from '../fixtures.js';

const refund = (max: number): Capability => ({ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: max, currency: 'USD' } } });
const readCrm: Capability = { action: 'read', resource: 'crm:*', scope: 'assigned_tickets_only' };
const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];
const opts = { resolver: personaResolver(), clock: frozenClock() };

async function root(maxDepth = 2, subject = alice, capabilities: Capability[] = [refund(100), readCrm]) {
  return issueCapabilityCredential({
    issuer: acme.did,
    signer: acme.signer,
    subject: { id: subject.did, owner: subject.owner, capabilities, delegation: { depth: 0, maxDepth } },
    validFor: 'P30D',
    clock: frozenClock(),
  });
}

/** Signs a child directly, skipping delegateCapability's checks: what a dishonest delegator could do. */
async function forgeChild(parent: AgentCapabilityCredential, signer: { did: string; signer: Parameters<typeof issueCapabilityCredential>[0]['signer'] }, to: string, capabilities: Capability[], extra: { depth?: number; maxDepth?: number; validFor?: string } = {}) {
  return issueCapabilityCredential({
    issuer: signer.did,
    signer: signer.signer,
    subject: {
      id: to,
      owner: parent.credentialSubject.owner,
      capabilities,
      delegation: { parent: parent.id, depth: extra.depth ?? 1, maxDepth: extra.maxDepth ?? parent.credentialSubject.delegation!.maxDepth },
    },
    validFor: extra.validFor ?? 'P1D',
    clock: frozenClock(),
  });
}

describe('delegation: issuing a child', () => {
  it('issues a narrower child that verifies as a chain with its attribution', async () => {
    const parent = await root();
    const sub = generateEphemeralSigner();
    const child = await delegateCapability({ parent: parent.credential, signer: alice.signer, to: sub.did, capabilities: [refund(20)], validFor: 'PT1H', clock: frozenClock() });
    expect(child.credential.credentialSubject).toMatchObject({ owner: alice.owner, delegation: { parent: parent.id, depth: 1, maxDepth: 2 } });
    expect(child.credential.issuer).toBe(alice.did);
    const chain = await verifyChain([child.jwt, parent.jwt], opts);
    expect(chain.errors).toEqual([]);
    expect(chain.rootIssuer).toBe(acme.did);
    expect(chain.leaf?.id).toBe(child.id);
    expect(chain.attribution).toEqual([
      { role: 'issuer', id: acme.did },
      { role: 'owner', id: alice.owner },
      { role: 'agent', id: alice.did, credential: parent.id },
      { role: 'sub-agent', id: sub.did, credential: child.id },
    ]);
  });

  it('caps the child validity at the parent validity', async () => {
    const parent = await root();
    const child = await delegateCapability({ parent: parent.credential, signer: alice.signer, to: bob.did, capabilities: [refund(20)], validFor: 'P90D', clock: frozenClock() });
    expect(child.credential.validUntil).toBe(parent.credential.validUntil);
  });

  it('builds chains of depth 1 to 3 and refuses depth 4', async () => {
    const parent = await root(3);
    let holder = { did: alice.did, signer: alice.signer };
    let current = parent;
    const tokens = [parent.jwt];
    for (let depth = 1; depth <= 3; depth++) {
      const next = generateEphemeralSigner();
      current = await delegateCapability({ parent: current.credential, signer: holder.signer, to: next.did, capabilities: [refund(100 - depth * 10)], clock: frozenClock() });
      tokens.push(current.jwt);
      const chain = await verifyChain(tokens, opts);
      expect(chain.errors, `depth ${depth}`).toEqual([]);
      expect(chain.attribution).toHaveLength(3 + depth);
      holder = { did: next.did, signer: next };
    }
    await expect(
      delegateCapability({ parent: current.credential, signer: holder.signer, to: mallory.did, capabilities: [refund(1)], clock: frozenClock() }),
    ).rejects.toMatchObject({ code: 'ERR_DELEGATION_DEPTH' });
  });

  it('refuses to delegate a credential that is not delegable', async () => {
    const parent = await root(0);
    await expect(
      delegateCapability({ parent: parent.credential, signer: alice.signer, to: bob.did, capabilities: [refund(10)], clock: frozenClock() }),
    ).rejects.toMatchObject({ code: 'ERR_DELEGATION_DEPTH' });
  });

  it('refuses a child maxDepth beyond the parent', async () => {
    const parent = await root(2);
    await expect(
      delegateCapability({ parent: parent.credential, signer: alice.signer, to: bob.did, capabilities: [refund(10)], maxDepth: 5, clock: frozenClock() }),
    ).rejects.toMatchObject({ code: 'ERR_DELEGATION_DEPTH' });
  });

  it.each([
    ['a higher amount', [refund(101)]],
    ['a dropped amount limit', [{ action: 'call', resource: 'billing:refund' }]],
    ['another resource', [{ ...refund(10), resource: 'billing:payout' }]],
    ['a wildcard action', [{ ...refund(10), action: '*' }]],
    ['a dropped scope', [{ action: 'read', resource: 'crm:tickets' }]],
    ['another scope', [{ action: 'read', resource: 'crm:tickets', scope: 'all_tickets' }]],
    ['a wider resource', [{ action: 'read', resource: '*', scope: 'assigned_tickets_only' }]],
  ])('refuses a widening child: %s', async (_name, capabilities) => {
    const parent = await root();
    await expect(
      delegateCapability({ parent: parent.credential, signer: alice.signer, to: bob.did, capabilities: capabilities, clock: frozenClock() }),
    ).rejects.toMatchObject({ code: 'ERR_CAPABILITY_WIDENED' });
  });

  it('names the scope when only the scope stands in the way', async () => {
    const parent = await root();
    for (const [capability, scope] of [
      [{ action: 'read', resource: 'crm:tickets' }, 'not absent'],
      [{ action: 'read', resource: 'crm:tickets', scope: 'all_tickets' }, "not 'all_tickets'"],
    ] as const) {
      const refused = delegateCapability({ parent: parent.credential, signer: alice.signer, to: bob.did, capabilities: [capability], clock: frozenClock() });
      await expect(refused).rejects.toMatchObject({
        code: 'ERR_CAPABILITY_WIDENED',
        message: expect.stringContaining(`(scope: must be 'assigned_tickets_only', as the parent's, ${scope})`) as unknown,
      });
    }
  });

  it("refuses a delegator that is not the parent's subject (mallory)", async () => {
    const parent = await root();
    await expect(
      delegateCapability({ parent: parent.credential, signer: mallory.signer, to: mallory.did, capabilities: [refund(10)], clock: frozenClock() }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('delegation: verifying a chain', () => {
  it('rejects a child that widens its parent, signed without the issuing checks', async () => {
    const parent = await root();
    const child = await forgeChild(parent.credential, alice, bob.did, [refund(500)]);
    expect(codes(await verifyChain([parent.jwt, child.jwt], opts))).toEqual(['ERR_CAPABILITY_WIDENED']);
  });

  it("rejects a child valid beyond its parent's validity", async () => {
    const parent = await root();
    const child = await forgeChild(parent.credential, alice, bob.did, [refund(5)], { validFor: 'P60D' });
    expect(codes(await verifyChain([parent.jwt, child.jwt], opts))).toEqual(['ERR_CAPABILITY_WIDENED']);
  });

  it('rejects a child that skips a depth or raises the maximum', async () => {
    const parent = await root();
    const skipped = await forgeChild(parent.credential, alice, bob.did, [refund(5)], { depth: 2 });
    expect(codes(await verifyChain([parent.jwt, skipped.jwt], opts))).toEqual(['ERR_DELEGATION_DEPTH']);
    const raised = await forgeChild(parent.credential, alice, bob.did, [refund(5)], { maxDepth: 5 });
    expect(codes(await verifyChain([parent.jwt, raised.jwt], opts))).toEqual(['ERR_DELEGATION_DEPTH']);
  });

  it("rejects a child issued by someone other than the parent's subject (mallory)", async () => {
    const parent = await root();
    const child = await forgeChild(parent.credential, mallory, mallory.did, [refund(5)]);
    expect(codes(await verifyChain([parent.jwt, child.jwt], opts))).toEqual(['ERR_CHAIN_INVALID']);
  });

  it("rejects mallory re-signing acme's parent under acme's name", async () => {
    const parent = await root();
    const child = await delegateCapability({ parent: parent.credential, signer: alice.signer, to: bob.did, capabilities: [refund(5)], clock: frozenClock() });
    const { signCompactJws } = await import('../../src/lib/jws.js');
    const resigned = await signCompactJws(parent.credential as unknown as Record<string, unknown>, mallory.signer, { typ: 'vc+jwt' });
    expect(codes(await verifyChain([resigned, child.jwt], opts))).toEqual(['ERR_KID_INVALID']);
  });

  it('reports the root issuer when mallory issues the root herself, for the trust check to refuse', async () => {
    const fake = await issueCapabilityCredential({
      issuer: mallory.did,
      signer: mallory.signer,
      subject: { id: alice.did, owner: alice.owner, capabilities: [refund(1_000_000)], delegation: { depth: 0, maxDepth: 1 } },
      clock: frozenClock(),
    });
    const chain = await verifyChain([fake.jwt], opts);
    expect(chain.verified).toBe(true);
    expect(chain.rootIssuer).toBe(mallory.did);
  });

  it('rejects a swapped link (a child of another chain)', async () => {
    const aliceRoot = await root(2, alice);
    const bobRoot = await root(2, bob);
    const bobChild = await delegateCapability({ parent: bobRoot.credential, signer: bob.signer, to: mallory.did, capabilities: [refund(5)], clock: frozenClock() });
    expect(codes(await verifyChain([aliceRoot.jwt, bobChild.jwt], opts))).toEqual(['ERR_CHAIN_INVALID']);
  });

  it('rejects duplicated links, missing parents, cycles, empty and oversized chains', async () => {
    const parent = await root();
    const child = await delegateCapability({ parent: parent.credential, signer: alice.signer, to: bob.did, capabilities: [refund(5)], clock: frozenClock() });
    expect(codes(await verifyChain([parent.jwt, child.jwt, child.jwt], opts))).toEqual(['ERR_CHAIN_INVALID']);
    expect(codes(await verifyChain([child.jwt], opts))).toEqual(['ERR_CHAIN_INVALID']);
    expect(codes(await verifyChain([], opts))).toEqual(['ERR_CHAIN_INVALID']);
    expect(codes(await verifyChain(Array(10).fill(parent.jwt) as string[], opts))).toEqual(['ERR_INPUT_TOO_LARGE']);
    // Two credentials naming each other as parent: no root.
    const a = await issueCapabilityCredential({ id: 'urn:uuid:a', issuer: alice.did, signer: alice.signer, subject: { id: alice.did, owner: alice.owner, capabilities: [refund(1)], delegation: { parent: 'urn:uuid:b', depth: 1, maxDepth: 2 } }, clock: frozenClock() });
    const b = await issueCapabilityCredential({ id: 'urn:uuid:b', issuer: alice.did, signer: alice.signer, subject: { id: alice.did, owner: alice.owner, capabilities: [refund(1)], delegation: { parent: 'urn:uuid:a', depth: 1, maxDepth: 2 } }, clock: frozenClock() });
    expect(codes(await verifyChain([a.jwt, b.jwt], opts))).toEqual(['ERR_CHAIN_INVALID']);
  });

  it('reports a broken link with its position, and an expired parent', async () => {
    const parent = await root();
    const child = await delegateCapability({ parent: parent.credential, signer: alice.signer, to: bob.did, capabilities: [refund(5)], validFor: 'PT1H', clock: frozenClock() });
    const late = { ...opts, clock: frozenClock(new Date(NOW.getTime() + 31 * 86400_000)) };
    const chain = await verifyChain([parent.jwt, child.jwt], late);
    expect(codes(chain)).toEqual(['ERR_EXPIRED']);
    expect(chain.errors.map((e) => e.message).join(' ')).toMatch(/link 0: .*link 1: /);
  });
});

describe('delegation: attenuation never widens (property)', () => {
  const amounts = fc.integer({ min: 0, max: 300 });
  const actions = fc.constantFrom('call', 'read', '*');
  const resources = fc.constantFrom('billing:refund', 'billing:*', 'billing:refund:partial', '*', 'crm:tickets', 'billing:payout');
  const requests = fc.record({ action: fc.constantFrom('call', 'read', 'write'), resource: fc.constantFrom('billing:refund', 'billing:refund:partial', 'billing:payout', 'crm:tickets'), amount: amounts });

  it('a child accepted at issue and at verify never allows what its parent does not; a widening one fails both with its code', async () => {
    const parent = await root(1, alice, [refund(100)]);
    await fc.assert(
      fc.asyncProperty(actions, resources, fc.option(amounts, { nil: undefined }), fc.array(requests, { minLength: 5, maxLength: 5 }), async (action, resource, max, reqs) => {
        const child: Capability = { action, resource, ...(max === undefined ? {} : { constraints: { maxAmount: { value: max, currency: 'USD' } } }) };
        let issued: Awaited<ReturnType<typeof delegateCapability>> | undefined;
        try {
          issued = await delegateCapability({ parent: parent.credential, signer: alice.signer, to: bob.did, capabilities: [child], clock: frozenClock() });
        } catch (error) {
          expect(error).toMatchObject({ code: 'ERR_CAPABILITY_WIDENED' });
          const forged = await forgeChild(parent.credential, alice, bob.did, [child], { maxDepth: 1 });
          expect(codes(await verifyChain([parent.jwt, forged.jwt], opts))).toContain('ERR_CAPABILITY_WIDENED');
          return;
        }
        const chain = await verifyChain([parent.jwt, issued.jwt], opts);
        expect(chain.errors).toEqual([]);
        for (const req of reqs) {
          const childAllows = capabilityCovers(child, req) && (max === undefined || req.amount <= max);
          const parentAllows = capabilityCovers(refund(100), req) && req.amount <= 100;
          if (childAllows) expect(parentAllows).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
});
