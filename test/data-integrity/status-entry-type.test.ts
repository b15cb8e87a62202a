// A DI credential's status entry with `type` rewritten from a string to a
// one-element array: the same RDF (so the proof still verifies), but the
// status reader skips the entry as "another mechanism".
//   acme -> alice, revoked at index 7 of acme's DI list r-1; alice edits her credential.
import { describe, expect, it } from 'vitest';
import { issueCapabilityCredential } from '../../src/credential/issue.js';
import { verifyProof } from '../../src/data-integrity/index.js';
import { createList, setBit } from '../../src/status/bitstring.js';
import { createStatusChecker } from '../../src/status/check.js';
import { issueStatusListCredential } from '../../src/status/list-credential.js';
import { acme, aliceSubject, frozenClock, NOW, personaResolver } from '../fixtures.js';
import { DAY_MS, noFetch, REVOCATION_URL, revocationEntry } from '../status/helpers.js';
import { legateAgent } from '../veramo/helpers.js';

const clock = frozenClock();

async function revokedDi() {
  const bits = createList();
  setBit(bits, 7, true);
  const list = await issueStatusListCredential({
    id: REVOCATION_URL, issuer: acme.did, signer: acme.signer, purpose: 'revocation', bits,
    validFrom: NOW, validUntil: new Date(NOW.getTime() + DAY_MS), clock, format: 'di',
  });
  const issued = await issueCapabilityCredential({
    issuer: acme.did, signer: acme.signer, subject: aliceSubject(), credentialStatus: [revocationEntry(7)], clock, format: 'di',
  });
  const edited = structuredClone(issued.secured) as unknown as Record<string, unknown> & { credentialStatus: Record<string, unknown>[] };
  edited.credentialStatus[0]!.type = [edited.credentialStatus[0]!.type];
  const local = (url: string) => Promise.resolve(url === REVOCATION_URL ? JSON.stringify(list.secured) : undefined);
  return { edited, local };
}

describe('a DI status entry whose type is spelled as a one-element array', () => {
  it('the edited credential still carries a valid proof (same RDF)', async () => {
    const { edited } = await revokedDi();
    expect((await verifyProof(edited, { resolver: personaResolver(), clock })).errors).toEqual([]);
  });

  it('the status checker still finds the revocation', async () => {
    const { edited, local } = await revokedDi();
    const checker = createStatusChecker({ resolver: personaResolver(), fetch: noFetch, clock, local });
    expect((await checker.statusErrors(edited)).map((e) => e.code)).toEqual(['ERR_REVOKED']);
  });

  it('legateCheckCredentialStatus does not report the revoked credential as ok', async () => {
    const { edited, local } = await revokedDi();
    const agent = legateAgent({ plugin: { checkStatus: true, status: { fetch: noFetch, local } } });
    const report = await agent.legateCheckCredentialStatus({ credential: edited });
    expect(report.ok).toBe(false);
  });
});
