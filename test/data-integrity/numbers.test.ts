// Numbers in Data Integrity credentials: RDF writes a non-integer as an
// xsd:double with 16 significant digits, so two JSON numbers can share one
// canonical form. A number the canonical form would round is refused.
//   acme -> alice (maxAmount 100.5); alice edits the amount.
import { describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { acme, alice, frozenClock, personaResolver } from '../fixtures.js';

const clock = frozenClock();
const subject = (value: number) => ({
  id: alice.did,
  owner: alice.owner,
  capabilities: [{ action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value, currency: 'USD' } } }],
});

describe('numbers in Data Integrity credentials', () => {
  it('verifies decimal amounts as issued', async () => {
    for (const value of [100.5, 19.99, 0.1, 1e15]) {
      const { secured } = await issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: subject(value), clock, format: 'di' });
      expect((await verifyCapabilityCredential(secured, { resolver: personaResolver(), clock })).errors).toEqual([]);
    }
  });

  it('refuses an amount raised to a neighbour with the same canonical form, though the proof would verify', async () => {
    const { secured } = await issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: subject(100.5), clock, format: 'di' });
    const edited = structuredClone(secured);
    edited.credentialSubject.capabilities[0]!.constraints!.maxAmount!.value = 100.50000000000001;
    expect(edited.credentialSubject.capabilities[0]!.constraints!.maxAmount!.value).toBeGreaterThan(100.5);
    const result = await verifyCapabilityCredential(edited, { resolver: personaResolver(), clock });
    expect(result.verified).toBe(false);
    expect(result.errors.map((e) => [e.code, e.reason])).toContainEqual(['ERR_MALFORMED', 'number']);
  });

  it('refuses to sign such a number', async () => {
    await expect(
      issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: subject(0.1 + 0.2), clock, format: 'di' }),
    ).rejects.toMatchObject({ code: 'ERR_MALFORMED', reason: 'number' });
  });
});
