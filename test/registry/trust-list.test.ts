// Issuing and verifying trust lists: schema before signing, the generic
// credential checks, and the checks that bind a list to its URL and signer.
import { describe, expect, it } from 'vitest';
import { signCompactJws } from '../../src/lib/jws.js';
import { buildTrustList, issueTrustList, verifyTrustList } from '../../src/registry/trust-list.js';
import { TRUST_LIST_SCHEMA_ID } from '../../src/registry/types.js';
import { acme, bank, codes, DAY_MS, federationResolver, mallory, NOW, pay, tamper, thrown, trustList } from './fixtures.js';

const options = () => ({ resolver: federationResolver(), clock: () => NOW });

describe('trust list credentials', () => {
  it('issues a VCDM 2.0 vc+jwt with the subject as the issuer', async () => {
    const { jwt, credential } = await issueTrustList({
      url: bank.url,
      issuer: bank.did,
      signer: bank.signer,
      version: 3,
      accredits: [{ issuer: acme.did, capabilities: ['read:crm:*'], maxDelegationDepth: 2, validUntil: new Date(NOW.getTime() + DAY_MS) }],
      recognizes: [{ url: pay.url, issuer: pay.did, hops: 1, capabilities: ['call:billing:*'] }],
      validFor: 'P7D',
      clock: () => NOW,
    });
    expect(credential).toMatchObject({
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://legate.dev/ns/v1'],
      id: bank.url,
      type: ['VerifiableCredential', 'TrustListCredential'],
      issuer: bank.did,
      validFrom: '2026-03-02T10:00:00Z',
      validUntil: '2026-03-09T10:00:00Z',
      credentialSchema: { id: TRUST_LIST_SCHEMA_ID, type: 'JsonSchema' },
      credentialSubject: { id: bank.did, type: 'TrustList', version: 3 },
    });
    expect(credential.credentialSubject.accredits[0]!.validUntil).toBe('2026-03-03T10:00:00Z');
    const result = await verifyTrustList(jwt, { ...options(), expectedUrl: bank.url, expectedIssuer: bank.did });
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.header).toMatchObject({ typ: 'vc+jwt', alg: 'EdDSA', kid: `${bank.did}#key-1` });
  });

  it('checks the schema before signing: a malformed pattern, hop count or URL is ERR_SCHEMA', async () => {
    const base = { url: bank.url, issuer: bank.did, version: 1, accredits: [], recognizes: [], validFrom: NOW };
    const bad = [
      { ...base, accredits: [{ issuer: acme.did, capabilities: ['read'], maxDelegationDepth: 0 }] },
      { ...base, accredits: [{ issuer: acme.did, capabilities: ['read:crm:*'], maxDelegationDepth: 9 }] },
      { ...base, recognizes: [{ url: pay.url, issuer: pay.did, hops: 5 }] },
      { ...base, recognizes: [{ url: 'ftp://pay.example/list', issuer: pay.did, hops: 0 }] },
      { ...base, url: 'https://bank.example/list#frag' },
      { ...base, issuer: 'not-a-did' },
    ];
    for (const input of bad) expect((await thrown(() => buildTrustList(input))).code).toBe('ERR_SCHEMA');
    await expect(thrown(() => issueTrustList({ ...base, signer: bank.signer, validUntil: NOW }))).resolves.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(thrown(() => issueTrustList({ ...base, signer: pay.signer }))).resolves.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'signer' });
    expect(() => buildTrustList({ ...base, version: 0 })).toThrow(RangeError);
  });

  it('reports an id that is not the URL it came from, and a signer that is not the expected one', async () => {
    const jwt = await trustList(pay, { url: 'https://pay.example/elsewhere' });
    const result = await verifyTrustList(jwt, { ...options(), expectedUrl: pay.url, expectedIssuer: bank.did });
    expect(result.verified).toBe(false);
    expect(codes(result.errors)).toEqual(['ERR_TRUST_LIST_MISMATCH', 'ERR_TRUST_LIST_ISSUER']);
    expect(result.errors.map((e) => e.claim)).toEqual(['id', 'issuer']);
  });

  it('reports a subject that is not the issuer', async () => {
    const credential = buildTrustList({ url: pay.url, issuer: pay.did, version: 1, accredits: [], recognizes: [], validFrom: NOW });
    credential.credentialSubject.id = bank.did;
    const jwt = await signCompactJws(credential as unknown as Record<string, unknown>, pay.signer, { typ: 'vc+jwt' });
    const result = await verifyTrustList(jwt, options());
    expect(codes(result.errors)).toEqual(['ERR_TRUST_LIST_MISMATCH']);
    expect(result.errors[0]!.claim).toBe('credentialSubject.id');
  });

  it('reports a tampered list, an expired one, and one signed by an unrelated key', async () => {
    const jwt = await trustList(pay, { accredits: [{ issuer: acme.did, capabilities: ['read:crm:tickets'], maxDelegationDepth: 0 }] });
    const widened = tamper(jwt, (p) => {
      (p.credentialSubject as { accredits: { capabilities: string[] }[] }).accredits[0]!.capabilities = ['*:*'];
    });
    expect(codes((await verifyTrustList(widened, options())).errors)).toEqual(['ERR_SIGNATURE_INVALID']);
    const old = await trustList(pay, { validFrom: new Date(NOW.getTime() - 10 * DAY_MS), validUntil: new Date(NOW.getTime() - DAY_MS) });
    expect(codes((await verifyTrustList(old, options())).errors)).toEqual(['ERR_EXPIRED']);
    const forged = await trustList(pay, { issuer: mallory.did, signer: mallory.signer });
    const result = await verifyTrustList(forged, { ...options(), expectedIssuer: pay.did });
    expect(codes(result.errors)).toEqual(['ERR_TRUST_LIST_ISSUER']);
  });

  it('refuses a capability credential presented as a trust list (schema)', async () => {
    const jwt = await trustList(pay);
    const other = tamper(jwt, (p) => {
      p.type = ['VerifiableCredential', 'AgentCapabilityCredential'];
    });
    const result = await verifyTrustList(other, options());
    expect(codes(result.errors)).toContain('ERR_SCHEMA');
  });
});
