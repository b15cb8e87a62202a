// The securing forms through a Veramo agent: Data Integrity proofs
// (eddsa-rdfc-2022) and VCDM 1.1 JWTs beside the default vc+jwt.
//   acme -> alice -> sub -> sub2, where sub and sub2 are did:keys in the agent's KMS.
import type { ICredentialPlugin } from '@veramo/core';
import { CredentialPlugin } from '@veramo/credential-w3c';
import { CredentialProviderJWT } from '@veramo/credential-jwt';
import { describe, expect, it } from 'vitest';
import type { Capability } from '../../src/credential/types.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { verifyChain } from '../../src/delegation/verify-chain.js';
import { acme, alice, aliceSubject, frozenClock, personaResolver } from '../fixtures.js';
import { listServer, REVOCATION_URL, revocationEntry, signedList } from '../status/helpers.js';
import { agentDidKey, BANK, codes, legateAgent, NONCE, overJson, rejection } from './helpers.js';

const refund = (max: number): Capability => ({ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: max, currency: 'USD' } } });
const delegable = (maxDepth: number) => ({ id: alice.did, owner: alice.owner, capabilities: [refund(100)], delegation: { depth: 0, maxDepth } });
type Proofed = Record<string, unknown> & { proof: { cryptosuite: string; verificationMethod: string; proofPurpose: string } };
const proofOf = (secured: unknown) => (secured as Proofed).proof;

describe('Data Integrity credentials through the agent', () => {
  it('issues with format di: secured is the credential with its proof, verified as an object or as JSON text', async () => {
    const agent = legateAgent();
    const issued = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: aliceSubject(), format: 'di' });
    expect(issued.format).toBe('di');
    expect(proofOf(issued.secured)).toMatchObject({ cryptosuite: 'eddsa-rdfc-2022', verificationMethod: acme.signer.kid, proofPurpose: 'assertionMethod' });
    expect(overJson(issued)).toEqual(issued);
    for (const credential of [issued.secured, JSON.stringify(issued.secured)]) {
      expect(await agent.legateVerifyCapabilityCredential({ credential })).toMatchObject({ verified: true, errors: [], issuer: acme.did, credential: issued.credential });
    }
    const raised = structuredClone(issued.secured) as Proofed & { credentialSubject: { capabilities: Capability[] } };
    raised.credentialSubject.capabilities[1] = refund(10_000);
    expect(codes(await agent.legateVerifyCapabilityCredential({ credential: raised }))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('signs proofs with a Veramo-managed did:key and delegates across forms: a mixed chain verifies and authorizes', async () => {
    const agent = legateAgent();
    const sub = await agentDidKey(agent);
    const sub2 = await agentDidKey(agent);
    const root = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: delegable(2), format: 'di' });
    const child = await agent.legateDelegateCapability({ parent: root.secured, to: sub, capabilities: [refund(50)] });
    expect(child.format).toBe('jwt');
    const grandchild = await agent.legateDelegateCapability({ parent: child.secured, to: sub2, capabilities: [refund(5)], format: 'di' });
    expect(proofOf(grandchild.secured).verificationMethod).toBe(`${sub}#${sub.slice('did:key:'.length)}`);

    const chain = await agent.legateVerifyChain({ credentials: [grandchild.secured, root.secured, child.secured] });
    expect(chain).toMatchObject({ verified: true, errors: [], rootIssuer: acme.did });
    expect(chain.links.map((l) => l.token.startsWith('{'))).toEqual([true, false, true]);
    expect(chain.attribution.map((a) => a.id)).toEqual([acme.did, alice.owner, alice.did, sub, sub2]);
    expect((await verifyChain([root.secured, child.secured, grandchild.secured], { resolver: personaResolver(), clock: frozenClock() })).errors).toEqual([]);

    const { presentation } = await agent.legateCreatePresentation({ holder: sub2, credentials: [grandchild.secured, child.secured, root.secured], audience: BANK, nonce: NONCE });
    const presented = { presentation, audience: BANK, nonce: NONCE };
    const usd = (value: number) => ({ value, currency: 'USD' });
    expect(await agent.legateAuthorize({ request: { action: 'call', resource: 'billing:refund', amount: usd(5) }, presentation: presented })).toMatchObject({
      decision: 'allow',
      credentialId: grandchild.id,
    });
    const over = await agent.legateAuthorize({ request: { action: 'call', resource: 'billing:refund', amount: usd(6) }, presentation: presented });
    expect(over.reasons.map((r) => r.code)).toEqual(['ERR_CONSTRAINT_AMOUNT']);
  });

  it('checks the status of a Data Integrity credential: ERR_REVOKED', async () => {
    const server = listServer({ [REVOCATION_URL]: { body: await signedList({ set: [77] }) } });
    const agent = legateAgent({ plugin: { checkStatus: true, status: { fetch: server.fetch } } });
    const { secured } = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: aliceSubject(), credentialStatus: [revocationEntry(77)], format: 'di' });
    expect(codes(await agent.legateVerifyCapabilityCredential({ credential: secured }))).toEqual(['ERR_REVOKED']);
    expect(await agent.legateCheckCredentialStatus({ credential: secured })).toMatchObject({ checked: true, ok: false, results: [{ outcome: 'revoked' }] });
  });

  it('refuses a format it does not know, and jwt-vc1 for a delegation', async () => {
    const strict = legateAgent({ schemaValidation: false });
    const bad = strict.legateIssueCapabilityCredential({ issuer: acme.did, subject: aliceSubject(), format: 'ldp' as never });
    expect(await rejection(bad)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'format' });
    const root = await strict.legateIssueCapabilityCredential({ issuer: acme.did, subject: delegable(1) });
    const vc1 = strict.legateDelegateCapability({ parent: root.secured, to: acme.did, capabilities: [refund(1)], format: 'jwt-vc1' as never });
    expect(await rejection(vc1)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'format' });
    const validated = legateAgent().legateIssueCapabilityCredential({ issuer: acme.did, subject: aliceSubject(), format: 'ldp' as never });
    await expect(validated).rejects.toMatchObject({ name: 'ValidationError', code: 'ENUM_MISMATCH' });
  });
});

describe('VCDM 1.1 JWTs for Veramo verifiers', () => {
  it("issues a jwt-vc1 credential that Veramo's own verifyCredential accepts, and Legate too", async () => {
    // Veramo checks validity against the real time: issue now, not at the frozen NOW. Schema validation
    // off: Veramo's CredentialPlugin calls resolveDid with `options: undefined`, which its own schema refuses.
    const agent = legateAgent({
      plugin: { clock: () => new Date() },
      extraPlugins: [new CredentialPlugin([new CredentialProviderJWT()])],
      schemaValidation: false,
    });
    const issued = await agent.legateIssueCapabilityCredential({ issuer: acme.did, subject: aliceSubject(), validFor: 'P30D', format: 'jwt-vc1' });
    expect(issued.format).toBe('jwt-vc1');
    expect(typeof issued.secured).toBe('string');
    const veramo = await agent.execute<Parameters<ICredentialPlugin['verifyCredential']>[0], { verified: boolean }>('verifyCredential', { credential: issued.secured as string });
    expect(veramo, JSON.stringify(veramo)).toMatchObject({ verified: true });
    expect(await verifyCapabilityCredential(issued.secured, { resolver: personaResolver() })).toMatchObject({ verified: true, errors: [] });
    expect(await agent.legateVerifyCapabilityCredential({ credential: issued.secured })).toMatchObject({ verified: true, errors: [] });
  });
});
