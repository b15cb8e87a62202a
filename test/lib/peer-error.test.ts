// What a remote peer is told about failures its own message caused: one
// fixed error per kind of remote thing, whatever the fetch found; the local
// error stays as the cause. Other errors pass unchanged.
import { describe, expect, it } from 'vitest';
import { InputError, legateError, VerificationError, type LegateError } from '../../src/errors/index.js';
import { forPeer, isNetworkDerived } from '../../src/lib/peer-error.js';

describe('forPeer', () => {
  it('gives one fixed error per kind, keeping the local one as cause', () => {
    const cases: [LegateError, string, string][] = [
      [new VerificationError('ERR_DID_UNRESOLVABLE', 'issuer DID could not be resolved (invalidDidDocument)', { claim: 'iss', reason: 'invalidDidDocument' }), 'ERR_DID_UNRESOLVABLE', 'a DID could not be resolved'],
      [legateError('ERR_PEER_UNREACHABLE', 'could not reach 127.0.0.1:9 (ECONNREFUSED)', { reason: 'ECONNREFUSED' }), 'ERR_DID_UNRESOLVABLE', 'a DID could not be resolved'],
      [legateError('ERR_ADDRESS_NOT_ALLOWED', 'a private address was refused', { reason: 'private' }), 'ERR_DID_UNRESOLVABLE', 'a DID could not be resolved'],
      [new VerificationError('ERR_STATUS_UNAVAILABLE', 'status list request timed out after 5000 ms', { claim: 'statusListCredential', reason: 'timeout' }), 'ERR_STATUS_UNAVAILABLE', 'a status list could not be obtained'],
      [new InputError('ERR_INPUT_TOO_LARGE', 'status list response is larger than 1048576 bytes', { claim: 'statusListCredential', reason: 'download' }), 'ERR_STATUS_UNAVAILABLE', 'a status list could not be obtained'],
      [new VerificationError('ERR_TRUST_LIST_UNAVAILABLE', 'trust list request returned HTTP 500', { claim: 'trustList', reason: 'http-500' }), 'ERR_TRUST_LIST_UNAVAILABLE', 'a trust list could not be obtained'],
    ];
    for (const [local, code, message] of cases) {
      const told = forPeer(local);
      expect(told, local.message).toMatchObject({ code, message, reason: undefined });
      expect((told as Error).cause).toBe(local);
      expect(isNetworkDerived(local)).toBe(true);
    }
  });

  it('leaves every other error as it is', () => {
    for (const error of [
      new VerificationError('ERR_REVOKED', 'credential is revoked'),
      new VerificationError('ERR_SIGNATURE_INVALID', 'bad signature'),
      new InputError('ERR_INPUT_TOO_LARGE', 'request body is larger than 1 bytes', { claim: 'body' }),
    ]) {
      expect(forPeer(error)).toBe(error);
      expect(isNetworkDerived(error)).toBe(false);
    }
    const plain = new Error('x');
    expect(forPeer(plain)).toBe(plain);
  });
});
