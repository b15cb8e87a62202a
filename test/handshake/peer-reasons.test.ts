// The acknowledge mallory receives lists her rejected intents with a code and
// a reason. When the reason is that something could not be fetched (her
// credential's status list on a host of her choosing), the reason is fixed
// text: it must not say whether her host refused, timed out or answered junk.
import { describe, expect, it } from 'vitest';
import { VerificationError } from '../../src/errors/index.js';
import { evaluateIntents, verdictOf } from '../../src/handshake/evaluate.js';
import type { PresentationVerification } from '../../src/presentation/verify.js';
import { mallory } from '../fixtures.js';

const REFUND = { action: 'call', resource: 'billing:refund' };

/** A presentation by mallory whose one chain failed with `error`. */
function failedWith(error: VerificationError): PresentationVerification {
  const leaf = { id: 'urn:uuid:mallory-1', credentialSubject: { id: mallory.did, capabilities: [REFUND] } };
  return { holder: mallory.did, errors: [error], chains: [{ leaf, links: [], errors: [error], verified: false }] } as unknown as PresentationVerification;
}

describe('rejected intents as the peer is told', () => {
  it('give one fixed reason for a status list, whatever the fetch found', () => {
    const found = [
      new VerificationError('ERR_STATUS_UNAVAILABLE', 'status list request failed: could not reach 127.0.0.1:9 (ECONNREFUSED)', { reason: 'network' }),
      new VerificationError('ERR_STATUS_UNAVAILABLE', 'status list request timed out after 5000 ms', { reason: 'timeout' }),
      new VerificationError('ERR_STATUS_UNAVAILABLE', 'status list request returned HTTP 500', { reason: 'http-500' }),
    ];
    const told = found.map((error) => evaluateIntents([REFUND], failedWith(error)).rejected);
    expect(told[0]).toEqual([{ ...REFUND, code: 'ERR_STATUS_UNAVAILABLE', reason: 'a status list could not be obtained', credential: 'urn:uuid:mallory-1' }]);
    expect(told[1]).toEqual(told[0]);
    expect(told[2]).toEqual(told[0]);
    expect(verdictOf(failedWith(found[0]!)).rejected).toEqual(told[0]);
  });

  it('keep the reason of other refusals', () => {
    const revoked = new VerificationError('ERR_REVOKED', 'credential is revoked');
    expect(evaluateIntents([REFUND], failedWith(revoked)).rejected).toMatchObject([{ code: 'ERR_REVOKED', reason: 'credential is revoked' }]);
  });
});
