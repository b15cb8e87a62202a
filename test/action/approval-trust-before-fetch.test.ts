// Trust before fetch for approvals (#13 item 2, security review): an approval rides in a signed action, so
// its issuer (a did:web names a host) is checked against the allowed approvers before any DID is resolved.
//   carol (did:key): the allowed approver; evil (did:web:evil.example): anyone else
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Resolvable } from 'did-resolver';
import { describe, expect, it } from 'vitest';
import { issueApproval, verifyApproval } from '../../src/action/approval.js';
import { actionHash } from '../../src/action/hash.js';
import { didKeyFromPublicKey } from '../../src/did/key.js';
import { signerFromKeyObject } from '../../src/keys/signer.js';
import { privateKeyObject } from '../../src/lib/ed25519.js';
import { alice, bob, frozenClock } from '../fixtures.js';
import { worldResolver } from '../handshake/fixtures.js';

const evil = (() => {
  const secretKey = new Uint8Array(32).fill(99);
  const publicKey = ed25519.getPublicKey(secretKey);
  return signerFromKeyObject('did:web:evil.example#key-1', publicKey, privateKeyObject(secretKey, publicKey));
})();
const carol = didKeyFromPublicKey(ed25519.getPublicKey(new Uint8Array(32).fill(21)));
const hash = actionHash({ iss: alice.did, aud: bob.did, action: 'close', resource: 'billing:account', params: {} });

describe('approvals: trust before fetch', () => {
  it("an approval by someone not allowed to approve is ERR_UNTRUSTED_ISSUER without resolving its issuer's DID", async () => {
    const resolved: string[] = [];
    const world = worldResolver();
    const resolver: Resolvable = { resolve: (did) => (resolved.push(did), world.resolve(did)) };
    const { jwt } = await issueApproval({ signer: evil, actionHash: hash, action: 'close', resource: 'billing:account', agent: alice.did, audience: bob.did, clock: frozenClock() });
    const result = await verifyApproval(jwt, { resolver, clock: frozenClock(), expectedHash: hash, approvers: [carol], audience: bob.did });
    expect(result.verified).toBe(false);
    expect(result.errors.map((e) => e.code)).toEqual(['ERR_UNTRUSTED_ISSUER']);
    expect(result.issuer).toBe('did:web:evil.example');
    expect(resolved).toEqual([]);
  });
});
