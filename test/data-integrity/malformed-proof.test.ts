// A Data Integrity credential whose proof lacks its type or cryptosuite is a
// result with ERR_ALG_NOT_ALLOWED on every verify path, never a TypeError.
//   acme -> alice; alice presents to bank a credential whose proof she stripped.
import { describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { verifyProof } from '../../src/data-integrity/index.js';
import { createPresentation } from '../../src/presentation/create.js';
import { verifyPresentation } from '../../src/presentation/verify.js';
import { acme, alice, aliceSubject, frozenClock, personaResolver } from '../fixtures.js';

const clock = frozenClock();
const BANK = 'did:web:bank.example';
const codes = (r: { errors: { code: string }[] }) => [...new Set(r.errors.map((e) => e.code))];

async function stripped() {
  const { secured } = await issueCapabilityCredential({ issuer: acme.did, signer: acme.signer, subject: aliceSubject(), clock, format: 'di' });
  const { type: _type, ...noType } = secured.proof;
  const { cryptosuite: _suite, ...noSuite } = secured.proof;
  return [
    { ...secured, proof: noType },
    { ...secured, proof: noSuite },
    { ...secured, proof: {} },
  ];
}

describe('a Data Integrity proof without type or cryptosuite', () => {
  it('is ERR_ALG_NOT_ALLOWED from verifyProof and verifyCapabilityCredential', async () => {
    for (const credential of await stripped()) {
      const proof = await verifyProof(credential, { resolver: personaResolver(), clock });
      expect(codes(proof)).toContain('ERR_ALG_NOT_ALLOWED');
      const result = await verifyCapabilityCredential(credential, { resolver: personaResolver(), clock });
      expect(result.verified).toBe(false);
      expect(codes(result)).toContain('ERR_ALG_NOT_ALLOWED');
    }
  });

  it('is ERR_ALG_NOT_ALLOWED inside a presentation', async () => {
    const [credential] = await stripped();
    const vp = await createPresentation({ signer: alice.signer, credentials: [credential!], audience: BANK, nonce: 'n-1', clock });
    const result = await verifyPresentation(vp, { resolver: personaResolver(), audience: BANK, nonce: 'n-1', clock });
    expect(result.verified).toBe(false);
    expect(codes(result)).toContain('ERR_ALG_NOT_ALLOWED');
  });
});
