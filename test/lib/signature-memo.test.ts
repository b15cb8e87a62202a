// The memo of valid signatures (lib/signature-memo) behind didSignature: acme (did:web:acme.example) signs with
// key-1; a repeat of the same bytes skips the cryptography only. mallory's forgeries are never kept, a key
// dropped from acme's document fails though its signature was kept, and the memo stays within its bound.
import type { DIDDocument } from 'did-resolver';
import { describe, expect, it } from 'vitest';
import { createDidResolver } from '../../src/did/resolver.js';
import { didSignature, type DidSignatureCheck } from '../../src/did/signature.js';
import { buildOrganizationDidDocument } from '../../src/did/web.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { rememberingSigner, SignatureMemo } from '../../src/lib/signature-memo.js';
import { verifyEd25519 } from '../../src/lib/ed25519.js';
import { encodeBase64url } from '../../src/lib/base64url.js';
import { decodeCompactJws } from '../../src/lib/jws.js';
import { mallory } from '../fixtures.js';

const DID = 'did:web:acme.example';
const KID = `${DID}#key-1`;
const acme = generateEphemeralSigner();
const withKey = buildOrganizationDidDocument({ did: DID, keys: [{ kid: KID, publicKey: acme.publicKey }] });
const withoutKey: DIDDocument = { ...withKey, verificationMethod: [], assertionMethod: [] };
const resolverWith = (doc: DIDDocument) => createDidResolver({ local: (did) => Promise.resolve(did === DID ? doc : undefined), fetch: () => Promise.resolve(new Response('', { status: 404 })) });
const signed = async (text: string, signer: { sign(data: Uint8Array): Promise<Uint8Array> } = acme) => {
  const signingInput = new TextEncoder().encode(text);
  return { header: { kid: KID }, signingInput, signature: await signer.sign(signingInput) };
};
const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);

describe('SignatureMemo through didSignature', () => {
  it('keeps a valid signature, and a repeat of it verifies with the key looked up again', async () => {
    const memo = new SignatureMemo();
    const check: DidSignatureCheck = { did: DID, relationship: 'assertionMethod', party: 'issuer', didClaim: 'issuer', what: 'signature', memo };
    const token = await signed('eyJhbGciOiJFZERTQSJ9.eyJuIjoxfQ');
    expect(codes(await didSignature(token, resolverWith(withKey), check))).toEqual([]);
    expect(memo.has(acme.publicKey, token.signingInput, token.signature)).toBe(true);
    expect((await didSignature(token, resolverWith(withKey), check)).key?.kid).toBe(KID);
    // The key gone from acme's document: the kept signature no longer counts.
    expect(codes(await didSignature(token, resolverWith(withoutKey), check))).toEqual(['ERR_KID_INVALID']);
  });

  it('never keeps a signature that fails, and a changed byte or signature is verified afresh', async () => {
    const memo = new SignatureMemo();
    const check: DidSignatureCheck = { did: DID, relationship: 'assertionMethod', party: 'issuer', didClaim: 'issuer', what: 'signature', memo };
    const forged = await signed('eyJhbGciOiJFZERTQSJ9.eyJuIjoyfQ', mallory.signer);
    expect(codes(await didSignature(forged, resolverWith(withKey), check))).toEqual(['ERR_SIGNATURE_INVALID']);
    expect(memo.size).toBe(0);
    const token = await signed('eyJhbGciOiJFZERTQSJ9.eyJuIjozfQ');
    expect(codes(await didSignature(token, resolverWith(withKey), check))).toEqual([]);
    const otherBytes = { ...token, signingInput: new TextEncoder().encode('eyJhbGciOiJFZERTQSJ9.eyJuIjo0fQ') };
    expect(codes(await didSignature(otherBytes, resolverWith(withKey), check))).toEqual(['ERR_SIGNATURE_INVALID']);
    const flipped = token.signature.slice();
    flipped[0]! ^= 1;
    expect(codes(await didSignature({ ...token, signature: flipped }, resolverWith(withKey), check))).toEqual(['ERR_SIGNATURE_INVALID']);
    expect(memo.size).toBe(1);
  });

  it('finds a kept decoding valid again by the key it verified under without its hash, and only by that key', async () => {
    // Room for one hashed signature: the second token pushes the first out of it.
    const memo = new SignatureMemo(1);
    const [kept, other] = await Promise.all([signed('eyJhbGciOiJFZERTQSJ9.eyJuIjo1fQ'), signed('eyJhbGciOiJFZERTQSJ9.eyJuIjo2fQ')]);
    memo.keepDecoded('kept.token.text', { ...kept, header: { kid: KID }, payload: {} } as never);
    const decoded = memo.decoded('kept.token.text')!;
    let verified = 0;
    const verify = (ok: boolean) => () => (verified++, ok);
    expect(memo.verifyDecoded(acme.publicKey, decoded, verify(true))).toBe(true);
    memo.add(acme.publicKey, other.signingInput, other.signature);
    expect(memo.has(acme.publicKey, kept.signingInput, kept.signature)).toBe(false);
    // Not hashed, not verified: the kept decoding remembers acme's key.
    expect(memo.verifyDecoded(Uint8Array.from(acme.publicKey), decoded, verify(false))).toBe(true);
    expect(verified).toBe(1);
    // Another key is verified for real, and fails.
    expect(memo.verifyDecoded(mallory.signer.publicKey, decoded, verify(false))).toBe(false);
    expect(verified).toBe(2);
    // A decoding the memo does not keep (a fresh object with the same bytes) gets no such shortcut.
    expect(memo.verifyDecoded(acme.publicKey, { ...kept }, verify(true))).toBe(true);
    expect(memo.verifyDecoded(acme.publicKey, { ...kept }, verify(false))).toBe(true);
    expect(memo.has(acme.publicKey, kept.signingInput, kept.signature)).toBe(true);
    memo.add(acme.publicKey, other.signingInput, other.signature);
    expect(memo.verifyDecoded(acme.publicKey, { ...kept }, verify(false))).toBe(false);
    expect(verified).toBe(4);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const memo = new SignatureMemo(2);
    const tokens = await Promise.all(['a', 'b', 'c'].map((t) => signed(t)));
    for (const t of tokens) memo.add(acme.publicKey, t.signingInput, t.signature);
    expect(memo.size).toBe(2);
    expect(tokens.map((t) => memo.has(acme.publicKey, t.signingInput, t.signature))).toEqual([false, true, true]);
    expect(() => new SignatureMemo(0)).toThrow(RangeError);
  });
});

describe('SignatureMemo.keepDecoded', () => {
  it('keeps no bytes: its signing input and signature are made again from the token text, so no view holds a whole 8 KB pool slab', () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJuIjoxfQ.AAECAwQFBgcICQoLDA0ODw';
    const decoded = decodeCompactJws(token);
    // What decoding makes: small views of larger buffers (Node's pool).
    expect(decoded.signingInput.buffer.byteLength).toBeGreaterThan(decoded.signingInput.byteLength);
    const memo = new SignatureMemo();
    memo.keepDecoded(token, decoded);
    const kept = memo.decoded(token)!;
    // Nothing it holds is bytes: both are read through getters, the same bytes as decoding's.
    expect(Object.values(kept).some((v) => v instanceof Uint8Array)).toBe(false);
    expect(Object.getOwnPropertyDescriptor(kept, 'signature')).toBeUndefined();
    expect(kept.signingInput).toEqual(decoded.signingInput);
    expect(kept.signature).toEqual(decoded.signature);
    // Made from the token as decoding reads it (trimmed).
    const padded = ` ${token}\n`;
    memo.keepDecoded(padded, decodeCompactJws(padded));
    expect(memo.decoded(padded)!.signingInput).toEqual(decoded.signingInput);
    expect(memo.decoded(padded)!.signature).toEqual(decoded.signature);
    expect(kept.payload).toBe(decoded.payload);
    expect(Object.isFrozen(kept)).toBe(true);
    expect(Object.isFrozen(kept.payload)).toBe(true);
  });

  it('finds a kept decoding valid again by the key it verified under, and verifies it afresh under another', async () => {
    const text = 'eyJhbGciOiJFZERTQSJ9.eyJuIjoyfQ';
    const signature = await acme.sign(new TextEncoder().encode(text));
    const token = `${text}.${encodeBase64url(signature)}`;
    const memo = new SignatureMemo();
    memo.keepDecoded(token, decodeCompactJws(token));
    const kept = memo.decoded(token)!;
    let verified = 0;
    const check = (key: Uint8Array) => () => (verified++, verifyEd25519(key, kept.signingInput, kept.signature));
    expect(memo.verifyDecoded(acme.publicKey, kept, check(acme.publicKey))).toBe(true);
    expect(memo.verifyDecoded(acme.publicKey, kept, check(acme.publicKey))).toBe(true);
    expect(verified).toBe(1);
    // Another key: the kept signature does not count for it, and the bytes made again do not verify under it.
    expect(memo.verifyDecoded(mallory.signer.publicKey, kept, check(mallory.signer.publicKey))).toBe(false);
    expect(verified).toBe(2);
    // A copy of the decoding (not the kept object) is verified through the hashed signature memo, never by identity.
    const copy = { signingInput: kept.signingInput, signature: kept.signature };
    expect(memo.verifyDecoded(acme.publicKey, copy, () => (verified++, false))).toBe(true);
    expect(verified).toBe(2);
  });
});

describe('rememberingSigner', () => {
  it('signs as its signer does and keeps each signature it makes, so the memo finds it valid without verifying', async () => {
    const memo = new SignatureMemo();
    const signer = rememberingSigner(acme, memo);
    expect({ alg: signer.alg, kid: signer.kid, publicKey: signer.publicKey }).toEqual({ alg: acme.alg, kid: acme.kid, publicKey: acme.publicKey });
    const data = new TextEncoder().encode('eyJhbGciOiJFZERTQSJ9.eyJzZXNzaW9uIjoxfQ');
    const signature = await signer.sign(data);
    expect(verifyEd25519(acme.publicKey, data, signature)).toBe(true);
    expect(signature).toEqual(await acme.sign(data));
    let verified = 0;
    expect(memo.verify(acme.publicKey, data, signature, () => (verified++, false))).toBe(true);
    expect(verified).toBe(0);
    // Nothing else: other bytes, or the same bytes under another key, are verified for real.
    expect(memo.has(mallory.signer.publicKey, data, signature)).toBe(false);
    expect(memo.verify(acme.publicKey, new TextEncoder().encode('other'), signature, () => (verified++, false))).toBe(false);
    expect(verified).toBe(1);
    expect(memo.size).toBe(1);
  });
});

