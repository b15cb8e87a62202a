// Status list credentials secured with Data Integrity proofs.
//   acme signs its revocation list (r-1) as DI; alice's DI credential points into it;
//   mallory signs a list of her own and serves it at acme's URL.

import { describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { createList, setBit } from '../../src/status/bitstring.js';
import { createStatusChecker } from '../../src/status/check.js';
import { issueStatusListCredential, readStatusList, verifyStatusListCredential } from '../../src/status/list-credential.js';
import { acme, aliceSubject, frozenClock, mallory, NOW, personaResolver } from '../fixtures.js';
import { codes, DAY_MS, listServer, noFetch, REVOCATION_URL, revocationEntry } from '../status/helpers.js';

const clock = frozenClock();

async function diList(set: number[], signer = acme.signer, issuer = acme.did) {
  const bits = createList();
  for (const index of set) setBit(bits, index, true);
  return issueStatusListCredential({
    id: REVOCATION_URL,
    issuer,
    signer,
    purpose: 'revocation',
    bits,
    validFrom: NOW,
    validUntil: new Date(NOW.getTime() + DAY_MS),
    clock,
    format: 'di',
  });
}

describe('Data Integrity status list credentials', () => {
  it('issues a list with a proof that verifies and reads back', async () => {
    const list = await diList([94023]);
    expect(list.secured.proof.cryptosuite).toBe('eddsa-rdfc-2022');
    const result = await verifyStatusListCredential(JSON.stringify(list.secured), { resolver: personaResolver(), clock });
    expect(result.errors).toEqual([]);
    expect(result.format).toBe('di');
    expect(readStatusList(result.credential).purposes).toEqual(['revocation']);
  });

  it('is accepted by the status checker: a set bit is ERR_REVOKED, a clear one passes', async () => {
    const list = await diList([94023]);
    const server = listServer({ [REVOCATION_URL]: { body: JSON.stringify(list.secured), contentType: 'application/vc+ld+json' } });
    const checker = createStatusChecker({ resolver: personaResolver(), fetch: server.fetch, clock });
    expect(codes(await checker.statusErrors({ issuer: acme.did, credentialStatus: [revocationEntry(94023)] }))).toEqual(['ERR_REVOKED']);
    expect(await checker.statusErrors({ issuer: acme.did, credentialStatus: [revocationEntry(94024)] })).toEqual([]);
  });

  it('revokes a DI capability credential through a DI list, end to end', async () => {
    const list = await diList([7]);
    const issued = await issueCapabilityCredential({
      issuer: acme.did,
      signer: acme.signer,
      subject: aliceSubject(),
      credentialStatus: [revocationEntry(7)],
      clock,
      format: 'di',
    });
    const checker = createStatusChecker({ resolver: personaResolver(), fetch: noFetch, clock, local: (url) => Promise.resolve(url === REVOCATION_URL ? JSON.stringify(list.secured) : undefined) });
    const result = await verifyCapabilityCredential(issued.secured, { resolver: personaResolver(), clock, status: (c) => checker.statusErrors(c) });
    expect(codes(result.errors)).toEqual(['ERR_REVOKED']);
  });

  it('fails closed on a DI list that does not verify: tampered, or signed by another issuer', async () => {
    const list = await diList([]);
    const tampered = structuredClone(list.secured);
    tampered.credentialSubject.encodedList = (await diList([5])).credential.credentialSubject.encodedList;
    const forged = await diList([], mallory.signer, mallory.did);
    const forgedAtAcme = { ...forged.secured, issuer: acme.did };
    for (const body of [tampered, forgedAtAcme]) {
      const server = listServer({ [REVOCATION_URL]: { body: JSON.stringify(body) } });
      const checker = createStatusChecker({ resolver: personaResolver(), fetch: server.fetch, clock });
      const [result] = await checker.check({ issuer: acme.did, credentialStatus: [revocationEntry(5)] });
      expect(result).toMatchObject({ outcome: 'unavailable', error: { code: 'ERR_STATUS_UNAVAILABLE' } });
    }
  });

  it('still refuses unsigned JSON lists unless they are allowed', async () => {
    const list = await diList([3]);
    const server = listServer({ [REVOCATION_URL]: { body: JSON.stringify(list.credential) } });
    const strict = createStatusChecker({ resolver: personaResolver(), fetch: server.fetch, clock });
    expect(codes(await strict.statusErrors({ issuer: acme.did, credentialStatus: [revocationEntry(3)] }))).toEqual(['ERR_STATUS_UNAVAILABLE']);
    const lenient = createStatusChecker({ resolver: personaResolver(), fetch: server.fetch, clock, allowUnsigned: true });
    expect(codes(await lenient.statusErrors({ issuer: acme.did, credentialStatus: [revocationEntry(3)] }))).toEqual(['ERR_REVOKED']);
  });
});
