// Capability credentials secured with Data Integrity proofs (eddsa-rdfc-2022).
//   acme (did:web, Multikey) -> alice; mallory (did:key) the attacker.

import { describe, expect, it, vi } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { createCanonicalHashes, createProof } from '../../src/data-integrity/index.js';
import { VerificationError } from '../../src/errors/index.js';
import { acme, alice, aliceSubject, frozenClock, mallory, NOW, personaResolver } from '../fixtures.js';

const clock = frozenClock();
const options = () => ({ resolver: personaResolver(), clock });

async function issueDi(extra: { validFor?: string } = {}) {
  return issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: aliceSubject(), validFor: extra.validFor ?? 'P30D', clock, format: 'di' });
}

const codes = (result: { errors: { code: string }[] }) => result.errors.map((e) => e.code);
const clone = <T>(value: T): T => structuredClone(value);

describe('Data Integrity capability credentials', () => {
  it('round-trips: issued with a proof, verified as an object and as JSON text', async () => {
    const issued = await issueDi();
    expect(issued.format).toBe('di');
    expect(issued.secured.proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-rdfc-2022',
      verificationMethod: acme.signer.kid,
      proofPurpose: 'assertionMethod',
      created: '2026-03-02T10:00:00Z',
    });
    for (const input of [issued.secured, JSON.stringify(issued.secured)]) {
      const result = await verifyCapabilityCredential(input, options());
      expect(result.errors).toEqual([]);
      expect(result.verified).toBe(true);
      expect(result.format).toBe('di');
      expect(result.issuer).toBe(acme.did);
      expect(result.credential).toEqual(issued.credential);
      expect(result.proof).toEqual(issued.secured.proof);
    }
  });

  it('fails with ERR_SIGNATURE_INVALID once any claim is changed', async () => {
    const { secured } = await issueDi();
    const tampered = clone(secured);
    tampered.credentialSubject.capabilities[1]!.constraints!.maxAmount!.value = 100000;
    const result = await verifyCapabilityCredential(tampered, options());
    expect(result.verified).toBe(false);
    expect(codes(result)).toEqual(['ERR_SIGNATURE_INVALID']);
    expect(result.errors[0]!.claim).toBe('proof.proofValue');
  });

  it('fails when the proofValue is changed', async () => {
    const { secured } = await issueDi();
    const flipped = clone(secured);
    const value = flipped.proof.proofValue;
    flipped.proof.proofValue = `${value.slice(0, 10)}${value[10] === 'A' ? 'B' : 'A'}${value.slice(11)}`;
    expect(codes(await verifyCapabilityCredential(flipped, options()))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('refuses a signed property restated under its IRI, which would hide it from JSON readers', async () => {
    const { secured } = await issueDi({ validFor: 'P1D' });
    // Same RDF, but `validUntil` is gone as a JSON property: the credential would never expire.
    const { validUntil, ...rest } = clone(secured);
    const disguised = { ...rest, 'https://www.w3.org/2018/credentials#validUntil': { '@value': validUntil, '@type': 'http://www.w3.org/2001/XMLSchema#dateTime' } };
    const result = await verifyCapabilityCredential(disguised, options());
    expect(result.verified).toBe(false);
    expect(result.errors.map((e) => [e.code, e.reason])).toContainEqual(['ERR_MALFORMED', 'term']);
    expect(codes(result)).not.toContain('ERR_SIGNATURE_INVALID');
  });

  it('refuses null values, which JSON-LD would drop unsigned', async () => {
    const { secured } = await issueDi();
    const result = await verifyCapabilityCredential({ ...clone(secured), description: null }, options());
    expect(result.errors.map((e) => [e.code, e.reason])).toContainEqual(['ERR_MALFORMED', 'null']);
  });

  it('refuses a proof made for another purpose with ERR_KID_INVALID', async () => {
    const issued = await issueDi();
    const secured = await createProof(issued.credential as unknown as Record<string, unknown>, { signer: acme.signer, proofPurpose: 'authentication', clock });
    const result = await verifyCapabilityCredential(secured, options());
    expect(codes(result)).toEqual(['ERR_KID_INVALID']);
    expect(result.errors[0]).toMatchObject({ claim: 'proof.proofPurpose', reason: 'proof-purpose' });
  });

  it('refuses a proof by a key that is not the issuer’s with ERR_KID_INVALID', async () => {
    const issued = await issueDi();
    // mallory signs a credential that names acme as its issuer.
    const forged = await createProof(issued.credential as unknown as Record<string, unknown>, { signer: mallory.signer, clock });
    const result = await verifyCapabilityCredential(forged, options());
    expect(codes(result)).toEqual(['ERR_KID_INVALID']);
    expect(result.errors[0]!.claim).toBe('proof.verificationMethod');
  });

  it('refuses a key of the issuer that is not an assertion method', async () => {
    const issued = await issueDi();
    const forged = clone(issued.secured);
    forged.proof.verificationMethod = `${acme.did}#key-2`;
    expect(codes(await verifyCapabilityCredential(forged, options()))).toEqual(['ERR_KID_INVALID']);
  });

  it('refuses an unknown cryptosuite or proof type with ERR_ALG_NOT_ALLOWED, before any key is looked up', async () => {
    const { secured } = await issueDi();
    const resolver = personaResolver();
    const resolve = vi.spyOn(resolver, 'resolve');
    const suite = clone(secured) as unknown as { proof: Record<string, unknown> };
    suite.proof.cryptosuite = 'ecdsa-rdfc-2019';
    const type = clone(secured) as unknown as { proof: Record<string, unknown> };
    type.proof.type = 'Ed25519Signature2020';
    for (const input of [suite, type]) {
      const result = await verifyCapabilityCredential(input, { resolver, clock });
      expect(codes(result)).toEqual(['ERR_ALG_NOT_ALLOWED']);
    }
    expect(resolve).not.toHaveBeenCalled();
  });

  it('refuses an unknown context with ERR_MALFORMED, at issue and at verify', async () => {
    const { secured } = await issueDi();
    const result = await verifyCapabilityCredential({ ...clone(secured), '@context': [...secured['@context'], 'https://evil.example/v1'] }, options());
    expect(result.errors.map((e) => [e.code, e.reason])).toEqual([['ERR_MALFORMED', 'unknown-context']]);
    await expect(createProof({ ...secured.credentialSubject, '@context': ['https://evil.example/v1'] }, { signer: acme.signer })).rejects.toMatchObject({
      code: 'ERR_MALFORMED',
      reason: 'unknown-context',
    });
  });

  it('refuses an inline context', async () => {
    const { secured } = await issueDi();
    const inline = { ...clone(secured), '@context': [...secured['@context'], { foo: 'https://evil.example/foo' }] };
    const result = await verifyCapabilityCredential(inline, options());
    expect(result.errors.map((e) => [e.code, e.reason])).toContainEqual(['ERR_MALFORMED', 'inline-context']);
    expect(result.verified).toBe(false);
  });

  it('will not sign a term no context defines (safe mode): it would go unsigned', async () => {
    const issued = await issueDi();
    const document = { ...clone(issued.credential), nickname: 'al' } as unknown as Record<string, unknown>;
    await expect(createProof(document, { signer: acme.signer })).rejects.toMatchObject({ code: 'ERR_MALFORMED', reason: 'jsonld-safe-mode' });
  });

  it('bounds size and depth with ERR_INPUT_TOO_LARGE', async () => {
    const { secured } = await issueDi();
    const big = { ...clone(secured), description: 'x'.repeat(70 * 1024) };
    expect(codes(await verifyCapabilityCredential(big, options()))).toEqual(['ERR_INPUT_TOO_LARGE']);
    expect(codes(await verifyCapabilityCredential(JSON.stringify(secured), { ...options(), maxLength: 512 }))).toEqual(['ERR_INPUT_TOO_LARGE']);
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(codes(await verifyCapabilityCredential({ ...clone(secured), description: deep }, options()))).toEqual(['ERR_INPUT_TOO_LARGE']);
  });

  it('refuses JSON text that is not JSON, and a credential with no proof or a proof set', async () => {
    const { secured } = await issueDi();
    expect(codes(await verifyCapabilityCredential('{"not json', options()))).toEqual(['ERR_MALFORMED']);
    const { proof, ...bare } = clone(secured);
    expect((await verifyCapabilityCredential(bare, options())).errors[0]).toMatchObject({ code: 'ERR_MALFORMED', claim: 'proof' });
    expect((await verifyCapabilityCredential({ ...bare, proof: [proof, proof] }, options())).errors[0]).toMatchObject({ code: 'ERR_MALFORMED', claim: 'proof' });
  });

  it('checks the proof’s own window: created in the future, expires passed', async () => {
    const issued = await issueDi();
    const document = issued.credential as unknown as Record<string, unknown>;
    const future = await createProof(document, { signer: acme.signer, created: new Date(NOW.getTime() + 3600_000) });
    expect((await verifyCapabilityCredential(future, options())).errors.map((e) => [e.code, e.claim])).toEqual([['ERR_NOT_YET_VALID', 'proof.created']]);
    const lapsed = await createProof(document, { signer: acme.signer, created: new Date(NOW.getTime() - 7200_000), expires: new Date(NOW.getTime() - 3600_000) });
    expect((await verifyCapabilityCredential(lapsed, options())).errors.map((e) => [e.code, e.claim])).toEqual([['ERR_EXPIRED', 'proof.expires']]);
    // Within the skew both pass.
    const near = await createProof(document, { signer: acme.signer, created: new Date(NOW.getTime() + 30_000) });
    expect((await verifyCapabilityCredential(near, options())).verified).toBe(true);
  });

  it('gets the same validity, schema, status and trust checks as a JWT, with the same codes', async () => {
    const di = await issueDi({ validFor: 'PT1H' });
    const jwt = await issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: aliceSubject(), validFor: 'PT1H', clock });
    const later = { resolver: personaResolver(), clock: frozenClock(new Date(NOW.getTime() + 2 * 3600_000)) };
    const expired = [await verifyCapabilityCredential(di.secured, later), await verifyCapabilityCredential(jwt.jwt, later)];
    expect(expired.map((r) => r.errors.map((e) => [e.code, e.claim]))).toEqual([[['ERR_EXPIRED', 'validUntil']], [['ERR_EXPIRED', 'validUntil']]]);

    const status = vi.fn(() => Promise.resolve([new VerificationError('ERR_REVOKED', 'credential is revoked', { claim: 'credentialStatus' })]));
    const trust = vi.fn(() => Promise.resolve([new VerificationError('ERR_UNTRUSTED_ISSUER', 'not trusted', { claim: 'read:crm:customer_records' })]));
    const result = await verifyCapabilityCredential(di.secured, { ...options(), status, trust });
    expect(codes(result)).toEqual(['ERR_REVOKED', 'ERR_UNTRUSTED_ISSUER']);
    // Status and trust see the credential without its proof, and its issuer.
    expect(status).toHaveBeenCalledWith(di.credential, acme.did);
    expect(trust).toHaveBeenCalledWith(acme.did, di.credential.credentialSubject.capabilities, { depth: 0 });

    // A forged proof earns no status lookup: its status URLs are not the issuer's word.
    const forged = await createProof(di.credential as unknown as Record<string, unknown>, { signer: mallory.signer, clock });
    status.mockClear();
    await verifyCapabilityCredential(forged, { ...options(), status });
    expect(status).not.toHaveBeenCalled();
  });

  it('accepts a did:key issuer (a did:key verification method)', async () => {
    const issued = await issueCapabilityCredential({
      issuer: mallory.did,
      signer: mallory.signer,
      subject: { id: alice.did, owner: alice.owner, capabilities: [{ action: 'read', resource: 'crm:notes' }] },
      clock,
      format: 'di',
    });
    expect(issued.secured.proof.verificationMethod).toBe(mallory.signer.kid);
    expect((await verifyCapabilityCredential(issued.secured, options())).verified).toBe(true);
  });
});

describe('canonical hashes are remembered by the exact JSON, by their owner', () => {
  // The memory belongs to whoever passes it, so the counts are exact whatever ran before.
  it('canonicalizes a credential once per owner, and any other JSON again', async () => {
    const { default: jsonld } = await import('jsonld');
    const issued = await issueDi();
    const canonize = vi.spyOn(jsonld, 'canonize');
    try {
      const canonicalHashes = createCanonicalHashes();
      const remembering = () => ({ ...options(), canonicalHashes });
      expect((await verifyCapabilityCredential(issued.secured, remembering())).verified).toBe(true);
      expect(canonize).toHaveBeenCalledTimes(2); // the document and the proof configuration
      expect((await verifyCapabilityCredential(issued.secured, remembering())).verified).toBe(true);
      expect(canonize).toHaveBeenCalledTimes(2); // both hashes remembered
      const changed = clone(issued.secured);
      changed.credentialSubject.owner = 'mailto:mallory@evil.example';
      expect(codes(await verifyCapabilityCredential(changed, remembering()))).toEqual(['ERR_SIGNATURE_INVALID']);
      expect(canonize).toHaveBeenCalledTimes(3); // only the changed document
      // Another owner, or none, shares nothing.
      expect((await verifyCapabilityCredential(issued.secured, { ...options(), canonicalHashes: createCanonicalHashes() })).verified).toBe(true);
      expect(canonize).toHaveBeenCalledTimes(5);
      expect((await verifyCapabilityCredential(issued.secured, options())).verified).toBe(true);
      expect(canonize).toHaveBeenCalledTimes(7);
    } finally {
      canonize.mockRestore();
    }
  });

  it('a signer that passes its memory to createProof makes its own verification cost no canonicalization', async () => {
    const { default: jsonld } = await import('jsonld');
    const canonize = vi.spyOn(jsonld, 'canonize');
    try {
      const canonicalHashes = createCanonicalHashes();
      const issued = await issueDi();
      const secured = await createProof(issued.credential as unknown as Record<string, unknown>, { signer: acme.signer, clock, hashes: canonicalHashes });
      const signing = canonize.mock.calls.length;
      expect((await verifyCapabilityCredential(secured, { ...options(), canonicalHashes })).verified).toBe(true);
      expect(canonize.mock.calls.length).toBe(signing);
    } finally {
      canonize.mockRestore();
    }
  });
});
