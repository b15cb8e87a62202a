// Canonicalization work is bounded before any proof is known to hold: jsonld's
// cost grows with the number of JSON values (some 60 µs each here), so a
// hostile list of many small values (a 512 KiB one took 2.2 s) is refused by
// count before jsonld sees it: 256 values for a status list, 4,096 for a
// credential. (Review finding on #9.)
//   mallory names a list on a host she controls; the verifier fetches it.
import { describe, expect, it } from 'vitest';
import { canonicalize, DEFAULT_MAX_DOCUMENT_NODES } from '../../src/data-integrity/canonicalize.js';
import { verifyCapabilityCredential } from '../../src/credential/verify.js';
import { createStatusChecker } from '../../src/status/check.js';
import { acme, frozenClock, personaResolver } from '../fixtures.js';
import { listServer, REVOCATION_URL, revocationEntry } from '../status/helpers.js';

const clock = frozenClock();
const proof = { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', verificationMethod: acme.signer.kid, proofPurpose: 'assertionMethod', proofValue: `z${'1'.repeat(86)}` };

/** A document of about `values` JSON values: subjects of three short strings each. */
function hostile(values: number, type: string[]): Record<string, unknown> {
  const subjects = Array.from({ length: Math.ceil(values / 4) }, (_, i) => ({ id: `urn:x:${i}`, name: `n${i}`, description: `d${i}` }));
  return { '@context': ['https://www.w3.org/ns/credentials/v2'], type, issuer: acme.did, validFrom: '2026-01-01T00:00:00Z', credentialSubject: subjects, proof };
}

describe('Data Integrity: canonicalization work is bounded by value count', () => {
  it('a status list of too many values is ERR_INPUT_TOO_LARGE (reason nodes), not seconds of jsonld', async () => {
    const body = JSON.stringify(hostile(20_000, ['VerifiableCredential', 'BitstringStatusListCredential']));
    const server = listServer({ [REVOCATION_URL]: { body } });
    const checker = createStatusChecker({ resolver: personaResolver(), fetch: server.fetch, clock });
    const [result] = await checker.check({ issuer: acme.did, credentialStatus: [revocationEntry(5)] });
    expect(result?.outcome).toBe('unavailable');
    expect(result?.error).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE', reason: 'nodes' });
  });

  it('a list of 300 values is already too many for a status list, though not for a credential', async () => {
    const body = JSON.stringify(hostile(300, ['VerifiableCredential', 'BitstringStatusListCredential']));
    const checker = createStatusChecker({ resolver: personaResolver(), fetch: listServer({ [REVOCATION_URL]: { body } }).fetch, clock });
    const [result] = await checker.check({ issuer: acme.did, credentialStatus: [revocationEntry(5)] });
    expect(result?.error).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE', reason: 'nodes' });
    const verified = await verifyCapabilityCredential(hostile(300, ['VerifiableCredential', 'AgentCapabilityCredential']), { resolver: personaResolver(), clock });
    expect(verified.errors.map((e) => e.code)).not.toContain('ERR_INPUT_TOO_LARGE');
  });

  it('a credential over 4,096 values is ERR_INPUT_TOO_LARGE', async () => {
    const result = await verifyCapabilityCredential(hostile(DEFAULT_MAX_DOCUMENT_NODES + 8, ['VerifiableCredential', 'AgentCapabilityCredential']), {
      resolver: personaResolver(),
      clock,
      maxLength: 1024 * 1024,
    });
    expect(result.verified).toBe(false);
    expect(result.errors[0]).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE', reason: 'nodes' });
  });

  it('canonicalize takes its own bound', async () => {
    const { proof: _proof, ...document } = hostile(40, ['VerifiableCredential']);
    await expect(canonicalize(document, { maxNodes: 16 })).rejects.toMatchObject({ code: 'ERR_INPUT_TOO_LARGE', reason: 'nodes' });
    await expect(canonicalize(document, { maxNodes: 64 })).resolves.toContain('urn:x:0');
  });
});
