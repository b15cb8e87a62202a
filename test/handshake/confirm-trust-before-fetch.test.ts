// Trust before fetch for confirms (#13 item 2, security review): a confirm names any iss; bob resolves it
// only once it is the party he acknowledged. alice (A) advertises to bob (B); evil (did:web) answers instead.
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Resolvable } from 'did-resolver';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdvertise, handleAdvertise } from '../../src/handshake/advertise.js';
import { createConfirm, handleConfirm } from '../../src/handshake/confirm.js';
import { createNonce } from '../../src/handshake/message.js';
import { MemoryReplayCache } from '../../src/handshake/replay-cache.js';
import { signerFromKeyObject } from '../../src/keys/signer.js';
import { privateKeyObject } from '../../src/lib/ed25519.js';
import { createPresentation } from '../../src/presentation/create.js';
import { alice, bob, frozenClock } from '../fixtures.js';
import { credentials, distrustGlobex, NOTES, worldResolver } from './fixtures.js';

const evil = (() => {
  const secretKey = new Uint8Array(32).fill(99);
  const publicKey = ed25519.getPublicKey(secretKey);
  return signerFromKeyObject('did:web:evil.example#key-1', publicKey, privateKeyObject(secretKey, publicKey));
})();

let creds: Awaited<ReturnType<typeof credentials>>;
beforeAll(async () => {
  creds = await credentials();
});

describe('confirm: trust before fetch', () => {
  it("a confirm from someone other than the acknowledged party is ERR_KID_INVALID without resolving its iss", async () => {
    const clock = frozenClock();
    const verify = { resolver: worldResolver(), clock, status: distrustGlobex };
    const nonce = createNonce();
    const presentation = await createPresentation({ signer: alice.signer, credentials: [creds.aliceAcme.jwt], audience: bob.did, nonce, clock });
    const advertise = await createAdvertise({ signer: alice.signer, audience: bob.did, presentation, nonce, intents: [NOTES], clock });
    const ack = (await handleAdvertise(advertise.token, { signer: bob.signer, credentials: [creds.bobAcme.jwt], verify, replay: new MemoryReplayCache({ clock }) })).acknowledge!;
    const confirm = await createConfirm({ signer: evil, audience: bob.did, inReplyTo: ack.payload.id, nonce: ack.payload.challenge, verdict: { trusted: [], rejected: [] }, clock });
    const resolved: string[] = [];
    const world = worldResolver();
    const resolver: Resolvable = { resolve: (did) => (resolved.push(did), world.resolve(did)) };
    const result = await handleConfirm(confirm.token, { acknowledge: ack.payload, verify: { ...verify, resolver }, replay: new MemoryReplayCache({ clock }) });
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => e.code)).toEqual(['ERR_KID_INVALID']);
    expect(resolved).toEqual([]);
  });
});
