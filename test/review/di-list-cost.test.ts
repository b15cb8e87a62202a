// REVIEW FINDING (#9), confirmed, not fixed: a fetched status list that looks
// like a Data Integrity credential is canonicalized with jsonld (to check its
// proof) at the full download bound (1 MiB by default), about 5.8 s of CPU on
// this machine for 1 MiB of small JSON nodes, before any signature is known to
// hold. Status runs before issuer trust, so any did:key issuer can name up to
// eight such lists per credential. A JWT list of the same size costs one
// Ed25519 check. `it.fails` keeps the suite green while the cost stays; it
// starts failing once DI lists get a tighter bound (size or node count).
//   mallory (untrusted) names lists on her host; the verifier fetches them.
import { expect, it } from 'vitest';
import { createStatusChecker } from '../../src/status/check.js';
import { acme, frozenClock, personaResolver } from '../fixtures.js';
import { listServer, REVOCATION_URL, revocationEntry } from '../status/helpers.js';

const clock = frozenClock();

function hostileList(bytes: number): string {
  const subjects: Record<string, string>[] = [];
  for (let i = 0; ; i++) {
    subjects.push({ id: `urn:x:${i}`, name: `n${i}`, description: `d${i}` });
    if (i % 1000 !== 0) continue;
    const text = JSON.stringify({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential'],
      issuer: acme.did,
      credentialSubject: subjects,
      proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', verificationMethod: acme.signer.kid, proofPurpose: 'assertionMethod', proofValue: `z${'1'.repeat(86)}` },
    });
    if (text.length > bytes) return text;
  }
}

it.fails('refuses a hostile DI list within a second', async () => {
  const server = listServer({ [REVOCATION_URL]: { body: hostileList(512 * 1024) } });
  const checker = createStatusChecker({ resolver: personaResolver(), fetch: server.fetch, clock });
  const started = performance.now();
  const [result] = await checker.check({ issuer: acme.did, credentialStatus: [revocationEntry(5)] });
  expect(result?.outcome).toBe('unavailable');
  expect(performance.now() - started).toBeLessThan(1000);
}, 60_000);
