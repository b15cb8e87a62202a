// The signing worker issueMany uses: the key store's signers sign on a thread of their own, with the same (Ed25519,
// deterministic) signatures; any other signer stays where it is; a closed worker refuses, never hangs.
import { afterEach, describe, expect, it } from 'vitest';
import { generateEphemeralSigner, signerFromKeyObject, type Signer } from '../../src/keys/signer.js';
import { startSigningWorker, type SigningWorker } from '../../src/keys/signing-worker.js';
import { generateEd25519, privateKeyObject, verifyEd25519 } from '../../src/lib/ed25519.js';

const data = (i: number) => new TextEncoder().encode(`pay alice ${i} USD`);

function storedSigner(kid: string): Signer {
  const { secretKey, publicKey } = generateEd25519();
  const signer = signerFromKeyObject(kid, publicKey, privateKeyObject(secretKey, publicKey));
  secretKey.fill(0);
  return signer;
}

let worker: SigningWorker | undefined;
afterEach(async () => {
  await worker?.close();
  worker = undefined;
});

describe('signing worker', () => {
  it('signs on the worker what the signer signs, for many requests of one tick, in order', async () => {
    worker = startSigningWorker();
    const alice = storedSigner('did:web:acme.example#key-1');
    const offloaded = worker.offload(alice);
    expect(offloaded).not.toBe(alice);
    expect({ alg: offloaded.alg, kid: offloaded.kid, publicKey: offloaded.publicKey }).toEqual({ alg: alice.alg, kid: alice.kid, publicKey: alice.publicKey });
    // More than one message's worth (32), in one tick.
    const signatures = await Promise.all(Array.from({ length: 100 }, (_, i) => offloaded.sign(data(i))));
    for (let i = 0; i < 100; i++) {
      expect(signatures[i]).toEqual(await alice.sign(data(i)));
      expect(verifyEd25519(alice.publicKey, data(i), signatures[i]!)).toBe(true);
    }
  });

  it('keeps each key apart, and leaves signers it cannot move where they are', async () => {
    worker = startSigningWorker();
    const one = storedSigner('did:web:acme.example#key-1');
    const two = storedSigner('did:web:acme.example#key-2');
    const [a, b] = await Promise.all([worker.offload(one).sign(data(1)), worker.offload(two).sign(data(1))]);
    expect(verifyEd25519(one.publicKey, data(1), a)).toBe(true);
    expect(verifyEd25519(two.publicKey, data(1), b)).toBe(true);
    // A signer built elsewhere (a hardware key, a did:key copy of a signer) has no key to hand over.
    const external: Signer = { alg: 'EdDSA', kid: one.kid, publicKey: one.publicKey, sign: (d) => one.sign(d) };
    expect(worker.offload(external)).toBe(external);
    const ephemeral = generateEphemeralSigner();
    expect(worker.offload(ephemeral)).toBe(ephemeral);
  });

  it('takes at most eight keys: past them a signer signs where it is', async () => {
    worker = startSigningWorker();
    const signers = Array.from({ length: 9 }, (_, i) => storedSigner(`did:web:acme.example#key-${i}`));
    const offloaded = signers.map((s) => worker!.offload(s));
    expect(offloaded.slice(0, 8).every((s, i) => s !== signers[i])).toBe(true);
    expect(offloaded[8]).toBe(signers[8]);
    // The first key, offloaded again, keeps its place.
    expect(verifyEd25519(signers[0]!.publicKey, data(0), await worker.offload(signers[0]!).sign(data(0)))).toBe(true);
  });

  it('fails a batch the thread could not sign (ERR_INTERNAL), and signs the next', async () => {
    worker = startSigningWorker();
    const alice = storedSigner('did:web:acme.example#key-1');
    const offloaded = worker.offload(alice);
    await expect(offloaded.sign(42 as never)).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
    expect(verifyEd25519(alice.publicKey, data(1), await offloaded.sign(data(1)))).toBe(true);
  });

  it('fails what is pending and what comes after it once closed (ERR_INTERNAL), never hanging', async () => {
    worker = startSigningWorker();
    const offloaded = worker.offload(storedSigner('did:web:acme.example#key-1'));
    // 40: the first 32 are already on their way to the thread, the rest still gathering.
    const pending = Array.from({ length: 40 }, (_, i) => expect(offloaded.sign(data(i))).rejects.toMatchObject({ code: 'ERR_INTERNAL' }));
    await worker.close();
    await Promise.all(pending);
    await expect(offloaded.sign(data(2))).rejects.toMatchObject({ code: 'ERR_INTERNAL' });
  });
});
