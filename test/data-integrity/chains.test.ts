// Either securing form in chains and presentations.
//   acme -> alice -> sub (did:key): a JWT root under a DI child, and the reverse;
//   bank verifies alice's and sub's presentations; mallory widens a DI child.

import { describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import type { Capability } from '../../src/credential/types.js';
import { delegateCapability } from '../../src/delegation/delegate.js';
import { verifyChain } from '../../src/delegation/verify-chain.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { createPresentation } from '../../src/presentation/create.js';
import { verifyPresentation } from '../../src/presentation/verify.js';
import { acme, alice, frozenClock, mallory, personaResolver } from '../fixtures.js';

const BANK = 'did:web:bank.example';
const NONCE = 'n-di-7Qx2';
const clock = frozenClock();
const opts = { resolver: personaResolver(), clock };
const refund = (max: number): Capability => ({ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: max, currency: 'USD' } } });
const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];

const rootOptions = () => ({
  issuer: acme.did,
  signer: acme.signer,
  subject: { id: alice.did, owner: alice.owner, capabilities: [refund(100)], delegation: { depth: 0, maxDepth: 2 } },
  validFor: 'P30D',
  clock,
});
const jwtRoot = () => issueCapabilityCredential(rootOptions());
const diRoot = () => issueCapabilityCredential({ ...rootOptions(), format: 'di' });

describe('chains of mixed securing forms', () => {
  it('verifies a JWT root under a DI child, in any order, with attribution', async () => {
    const parent = await jwtRoot();
    const sub = generateEphemeralSigner();
    const child = await delegateCapability({ parent: parent.credential, signer: alice.signer, to: sub.did, capabilities: [refund(20)], validFor: 'PT1H', clock, format: 'di' });
    expect(child.secured.proof.verificationMethod).toBe(alice.signer.kid);
    for (const links of [[parent.jwt, child.secured], [child.secured, parent.jwt], [JSON.stringify(child.secured), parent.jwt]]) {
      const chain = await verifyChain(links, opts);
      expect(chain.errors).toEqual([]);
      expect(chain.verified).toBe(true);
      expect(chain.rootIssuer).toBe(acme.did);
      expect(chain.leaf).toEqual(child.credential);
      expect(chain.attribution.map((a) => a.role)).toEqual(['issuer', 'owner', 'agent', 'sub-agent']);
      // Links are carried as text: the JWS, or the DI credential's JSON.
      expect(chain.links.map((l) => l.token)).toEqual([parent.jwt, JSON.stringify(child.secured)]);
    }
  });

  it('verifies a DI root under a JWT child', async () => {
    const parent = await diRoot();
    const sub = generateEphemeralSigner();
    const child = await delegateCapability({ parent: parent.credential, signer: alice.signer, to: sub.did, capabilities: [refund(20)], clock });
    const chain = await verifyChain([child.jwt, parent.secured], opts);
    expect(chain.errors).toEqual([]);
    expect(chain.leaf?.id).toBe(child.id);
  });

  it('still refuses a widening DI child and a tampered DI link, naming the link', async () => {
    const parent = await jwtRoot();
    // alice signs a child wider than her own credential, skipping delegateCapability's check.
    const wide = await issueCapabilityCredential({
      issuer: alice.did,
      signer: alice.signer,
      subject: { id: mallory.did, owner: alice.owner, capabilities: [refund(5000)], delegation: { parent: parent.id, depth: 1, maxDepth: 2 } },
      validFor: 'PT1H',
      clock,
      format: 'di',
    });
    expect(codes(await verifyChain([parent.jwt, wide.secured], opts))).toEqual(['ERR_CAPABILITY_WIDENED']);

    const child = await delegateCapability({ parent: parent.credential, signer: alice.signer, to: mallory.did, capabilities: [refund(20)], clock, format: 'di' });
    const tampered = structuredClone(child.secured);
    tampered.credentialSubject.capabilities[0]!.constraints!.maxAmount!.value = 90;
    const chain = await verifyChain([parent.jwt, tampered], opts);
    expect(codes(chain)).toEqual(['ERR_SIGNATURE_INVALID']);
    expect(chain.errors[0]!.message).toMatch(/^link 1: /);
  });
});

describe('presentations carrying Data Integrity credentials', () => {
  it('embeds DI credentials beside enveloped JWTs, and verifies the chain', async () => {
    const parent = await jwtRoot();
    const sub = generateEphemeralSigner();
    const child = await delegateCapability({ parent: parent.credential, signer: alice.signer, to: sub.did, capabilities: [refund(20)], clock, format: 'di' });
    const vp = await createPresentation({ signer: sub, credentials: [JSON.stringify(child.secured), parent.jwt], audience: BANK, nonce: NONCE, clock });
    const carried = decodeCompactJws(vp, 256 * 1024).payload.verifiableCredential as Record<string, unknown>[];
    expect(carried[0]).toEqual(child.secured);
    expect(carried[1]).toMatchObject({ type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${parent.jwt}` });

    const result = await verifyPresentation(vp, { ...opts, audience: BANK, nonce: NONCE });
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.credentials).toEqual([child.credential]);
    expect(result.chains[0]!.attribution.at(-1)).toEqual({ role: 'sub-agent', id: sub.did, credential: child.id });
  });

  it('verifies a presentation of a DI credential alone, and fails one whose DI credential was altered', async () => {
    const credential = await diRoot();
    const vp = await createPresentation({ signer: alice.signer, credentials: [credential.secured], audience: BANK, nonce: NONCE, clock });
    expect((await verifyPresentation(vp, { ...opts, audience: BANK, nonce: NONCE })).verified).toBe(true);

    const altered = structuredClone(credential.secured);
    altered.credentialSubject.capabilities[0]!.action = '*';
    const forged = await createPresentation({ signer: alice.signer, credentials: [altered], audience: BANK, nonce: NONCE, clock });
    const result = await verifyPresentation(forged, { ...opts, audience: BANK, nonce: NONCE });
    expect(codes(result)).toEqual(['ERR_SIGNATURE_INVALID']);
    expect(result.credentials).toEqual([]);
  });

  it('refuses an embedded credential that is neither an envelope nor a secured credential', async () => {
    const credential = await diRoot();
    const { proof: _proof, ...bare } = credential.secured;
    const vp = await createPresentation({ signer: alice.signer, credentials: [bare], audience: BANK, nonce: NONCE, clock });
    const result = await verifyPresentation(vp, { ...opts, audience: BANK, nonce: NONCE });
    expect(result.errors.map((e) => [e.code, e.claim])).toEqual([['ERR_MALFORMED', 'verifiableCredential']]);
  });
});
