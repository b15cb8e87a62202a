// acme -> alice -> sub-agent (a did:key the Veramo agent manages), all through
// a real Veramo agent; mallory tampers with what she is given.
import { describe, expect, it } from 'vitest';
import type { Capability } from '../../src/credential/types.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { verifyChain } from '../../src/delegation/verify-chain.js';
import { createDidResolver } from '../../src/did/resolver.js';
import { acme, alice, aliceSubject, bob, frozenClock, NOW, personaResolver } from '../fixtures.js';
import { tamper } from '../registry/fixtures.js';
import { agentDidKey, BANK, codes, jwtOf, legateAgent, NONCE, overJson, rejection } from './helpers.js';

const refund = (max: number): Capability => ({ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: max, currency: 'USD' } } });
const delegable = (maxDepth: number) => ({ id: alice.did, owner: alice.owner, capabilities: [refund(100)], delegation: { depth: 0, maxDepth } });
const HOUR = 60 * 60 * 1000;

describe('issue and verify through a Veramo agent', () => {
  it('issues a vc+jwt that the agent, and Legate directly, verify; results are plain JSON', async () => {
    const agent = legateAgent();
    const issued = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: aliceSubject(), validFor: 'P30D' });
    expect(overJson(issued)).toEqual(issued);
    expect(issued.credential).toMatchObject({ issuer: acme.did, validFrom: '2026-03-02T10:00:00Z', validUntil: '2026-04-01T10:00:00Z', credentialSubject: aliceSubject() });
    expect(JSON.parse(Buffer.from(jwtOf(issued).split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'EdDSA', kid: acme.signer.kid, typ: 'vc+jwt' });

    const result = await agent.legateVerifyCapabilityCredential({ credential: jwtOf(issued) });
    expect(result).toEqual({ verified: true, errors: [], credential: issued.credential, issuer: acme.did });
    expect(overJson(result)).toEqual(result);
    expect((await verifyCapabilityCredential(jwtOf(issued), { resolver: personaResolver(), clock: frozenClock() })).errors).toEqual([]);
  });

  it('reports every failed check with its code, never throwing for a bad token', async () => {
    const agent = legateAgent();
    const jwt = jwtOf(await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: aliceSubject(), validUntil: '2026-03-02T11:00:00Z' }));
    const raised = tamper(jwt, (p) => ((p.credentialSubject as { capabilities: Capability[] }).capabilities[1] = refund(10_000)));
    const tampered = await agent.legateVerifyCapabilityCredential({ credential: raised });
    expect(tampered).toMatchObject({ verified: false, errors: [{ code: 'ERR_SIGNATURE_INVALID', message: 'signature does not verify', claim: 'signature' }] });
    expect(overJson(tampered)).toEqual(tampered);
    expect(codes(await agent.legateVerifyCapabilityCredential({ credential: 'not.jwtOf(a)' }))).toEqual(['ERR_MALFORMED']);

    const later = legateAgent({ plugin: { clock: frozenClock(new Date(NOW.getTime() + 2 * HOUR)) } });
    expect(codes(await later.legateVerifyCapabilityCredential({ credential: jwt }))).toEqual(['ERR_EXPIRED']);
  });

  it('passes Legate errors through when issuing: ERR_SCHEMA, ERR_KEY_UNAVAILABLE, ERR_INVALID_ARGUMENT', async () => {
    const agent = legateAgent();
    const badAction = { ...aliceSubject(), capabilities: [{ action: 'read all', resource: 'crm:x' }] };
    expect((await rejection(agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: badAction }))).code).toBe('ERR_SCHEMA');
    // bob's key was never given to the plugin, and the agent manages no did:web identifiers.
    const noKey = await rejection(agent.legateIssueCapabilityCredential({ issuer: bob.did, subject: aliceSubject() }));
    expect(noKey).toMatchObject({ code: 'ERR_KEY_UNAVAILABLE', claim: 'issuer' });
    const wrongKid = await rejection(agent.legateIssueCapabilityCredential({ issuer: acme.did, kid: `${acme.did}#key-9`, subject: aliceSubject() }));
    expect(wrongKid).toMatchObject({ code: 'ERR_KEY_UNAVAILABLE', claim: 'kid' });
    const empty = await rejection(agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: aliceSubject(), validFrom: NOW.toISOString(), validUntil: NOW.toISOString() }));
    expect(empty).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'validUntil' });
  });
});

describe('resolution', () => {
  it("uses the agent's resolveDid: an agent that cannot resolve acme cannot verify acme's credentials", async () => {
    const jwt = jwtOf(await legateAgent().legateIssueCapabilityCredential({ issuer: acme.did, subject: aliceSubject() }));
    const blind = legateAgent({ webResolver: createDidResolver({ fetch: () => Promise.resolve(new Response('no', { status: 404 })) }) });
    const result = await blind.legateVerifyCapabilityCredential({ credential: jwt });
    expect(result.errors).toEqual([{ code: 'ERR_DID_UNRESOLVABLE', message: 'issuer DID could not be resolved (notFound)', claim: 'issuer', reason: 'notFound' }]);
  });

  it('prefers the resolver given to the plugin, and uses it for agents without resolveDid', async () => {
    const jwt = jwtOf(await legateAgent().legateIssueCapabilityCredential({ issuer: acme.did, subject: aliceSubject() }));
    const notFound = createDidResolver({ fetch: () => Promise.resolve(new Response('no', { status: 404 })) });
    const explicit = legateAgent({ webResolver: notFound, plugin: { resolver: personaResolver() } });
    expect((await explicit.legateVerifyCapabilityCredential({ credential: jwt })).verified).toBe(true);
    const bare = legateAgent({ noResolver: true, noKeys: true, plugin: { resolver: personaResolver() } });
    expect((await bare.legateVerifyCapabilityCredential({ credential: jwt })).verified).toBe(true);
  });
});

describe('delegation through the agent', () => {
  it('alice delegates to a Veramo-managed did:key; the chain verifies with its attribution', async () => {
    const agent = legateAgent();
    const sub = await agentDidKey(agent);
    const root = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: delegable(1), validFor: 'P30D' });
    const child = await agent.legateDelegateCapability({ parent: jwtOf(root), to: sub, capabilities: [refund(20)], validFor: 'PT1H' });
    expect(child.credential).toMatchObject({ issuer: alice.did, credentialSubject: { id: sub, delegation: { parent: root.id, depth: 1, maxDepth: 1 } } });

    const chain = await agent.legateVerifyChain({ credentials: [jwtOf(child), jwtOf(root)] });
    expect(chain).toMatchObject({ verified: true, errors: [], rootIssuer: acme.did, leaf: { id: child.id } });
    expect(chain.links.map((l) => l.issuer)).toEqual([acme.did, alice.did]);
    expect(chain.attribution).toEqual([
      { role: 'issuer', id: acme.did },
      { role: 'owner', id: alice.owner },
      { role: 'agent', id: alice.did, credential: root.id },
      { role: 'sub-agent', id: sub, credential: child.id },
    ]);
    expect(overJson(chain)).toEqual(chain);
  });

  it('refuses a widening or too deep child, and a parent that does not verify', async () => {
    const agent = legateAgent();
    const sub = await agentDidKey(agent);
    const root = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: delegable(1) });
    expect((await rejection(agent.legateDelegateCapability({ parent: jwtOf(root), to: sub, capabilities: [refund(500)] }))).code).toBe('ERR_CAPABILITY_WIDENED');
    const flat = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: delegable(0) });
    expect((await rejection(agent.legateDelegateCapability({ parent: jwtOf(flat), to: sub, capabilities: [refund(5)] }))).code).toBe('ERR_DELEGATION_DEPTH');
    const forged = tamper(jwtOf(root), (p) => ((p.credentialSubject as { capabilities: Capability[] }).capabilities = [refund(10_000)]));
    const refused = await rejection(agent.legateDelegateCapability({ parent: forged, to: sub, capabilities: [refund(5_000)] }));
    expect(refused).toMatchObject({ code: 'ERR_SIGNATURE_INVALID', claim: 'parent' });
  });

  it('reports a chain with a link that widens its parent: ERR_CAPABILITY_WIDENED', async () => {
    const agent = legateAgent();
    const sub = await agentDidKey(agent);
    const root = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: delegable(1) });
    // alice signs a widening child directly, as the issue method lets any holder of her key do.
    const widened = await agent.legateIssueCapabilityCredential({
      issuer: alice.did,
      subject: { id: sub, owner: alice.owner, capabilities: [refund(900)], delegation: { parent: root.id, depth: 1, maxDepth: 1 } },
    });
    const chain = await agent.legateVerifyChain({ credentials: [jwtOf(root), jwtOf(widened)] });
    expect(chain.verified).toBe(false);
    expect(codes(chain)).toEqual(['ERR_CAPABILITY_WIDENED']);
    // And Legate's own verifier agrees.
    expect(codes(await verifyChain([jwtOf(root), jwtOf(widened)], { resolver: personaResolver(), clock: frozenClock() }))).toEqual(['ERR_CAPABILITY_WIDENED']);
  });
});

describe('presentations through the agent', () => {
  it("a Veramo-managed sub-agent presents its chain; the verifier checks holder, audience and nonce", async () => {
    const agent = legateAgent();
    const sub = await agentDidKey(agent);
    const root = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: delegable(1) });
    const child = await agent.legateDelegateCapability({ parent: jwtOf(root), to: sub, capabilities: [refund(20)] });
    const { presentation } = await agent.legateCreatePresentation({ holder: sub, credentials: [jwtOf(child), jwtOf(root)], audience: BANK, nonce: NONCE });

    const result = await agent.legateVerifyPresentation({ presentation, audience: BANK, nonce: NONCE });
    expect(result).toMatchObject({ verified: true, errors: [], holder: sub, credentials: [{ id: child.id }] });
    expect(result.chains[0]!.attribution.map((a) => a.role)).toEqual(['issuer', 'owner', 'agent', 'sub-agent']);
    expect(overJson(result)).toEqual(result);
    expect(codes(await agent.legateVerifyPresentation({ presentation, audience: 'did:web:other.example', nonce: 'other' }))).toEqual(['ERR_AUDIENCE', 'ERR_NONCE']);
  });
});
