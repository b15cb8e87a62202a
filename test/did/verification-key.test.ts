// The signature path's cached keys expire with the cached DID document: once
// its TTL has run out, a rotated-out key stops verifying and the new one
// verifies. Within the TTL the cached key answers without a fetch, and a kid
// the cached document does not name fetches it again (at most once per kidMissRefetchMs).
//   alice (did:web:alice.example) rotates key-1 out for key-2.
import type { DIDDocument } from 'did-resolver';
import { describe, expect, it } from 'vitest';
import { createDidResolver } from '../../src/did/resolver.js';
import { didSignature, type DidSignatureCheck } from '../../src/did/signature.js';
import { buildOrganizationDidDocument } from '../../src/did/web.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';

const DID = 'did:web:alice.example';
const [oldKey, newKey] = [generateEphemeralSigner(), generateEphemeralSigner()];
const documentWith = (kid: string, publicKey: Uint8Array): DIDDocument => buildOrganizationDidDocument({ did: DID, keys: [{ kid, publicKey }] });
const check: DidSignatureCheck = { did: DID, relationship: 'assertionMethod', party: 'issuer', didClaim: 'issuer', what: 'signature' };
const data = new TextEncoder().encode('eyJhbGciOiJFZERTQSJ9.e30');
const signed = async (signer: { sign(data: Uint8Array): Promise<Uint8Array> }, kid: string) => ({ header: { kid }, signingInput: data, signature: await signer.sign(data) });
const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);

describe('cached verification keys', () => {
  it('expire with the cached document: a rotated-out key stops verifying after the TTL', async () => {
    let now = Date.parse('2025-06-01T00:00:00Z');
    let published = documentWith(`${DID}#key-1`, oldKey.publicKey);
    let fetches = 0;
    const resolver = createDidResolver({
      clock: () => new Date(now),
      cacheTtlMs: 60_000,
      fetch: () => {
        fetches++;
        return Promise.resolve(new Response(JSON.stringify(published), { headers: { 'content-type': 'application/did+json' } }));
      },
    });
    const byOld = await signed(oldKey, `${DID}#key-1`);
    const byNew = await signed(newKey, `${DID}#key-2`);
    expect(codes(await didSignature(byOld, resolver, check))).toEqual([]);

    published = documentWith(`${DID}#key-2`, newKey.publicKey);
    now += 59_999; // still cached: the old key answers from the cache
    expect(codes(await didSignature(byOld, resolver, check))).toEqual([]);
    expect(fetches).toBe(1);

    now += 1; // the TTL has run out: the document, and the keys kept with it, are fetched again
    expect(codes(await didSignature(byOld, resolver, check))).toEqual(['ERR_KID_INVALID']);
    expect(codes(await didSignature(byNew, resolver, check))).toEqual([]);
    expect(fetches).toBe(2);
  });

  it('a kid a cached document does not name (a key rotated in) fetches the document again, at most once per kidMissRefetchMs', async () => {
    let now = Date.parse('2025-06-01T00:00:00Z');
    let published = documentWith(`${DID}#key-1`, oldKey.publicKey);
    let fetches = 0;
    const resolver = createDidResolver({
      clock: () => new Date(now),
      cacheTtlMs: 300_000,
      kidMissRefetchMs: 30_000,
      fetch: () => {
        fetches++;
        return Promise.resolve(new Response(JSON.stringify(published), { headers: { 'content-type': 'application/did+json' } }));
      },
    });
    const byOld = await signed(oldKey, `${DID}#key-1`);
    const byNew = await signed(newKey, `${DID}#key-2`);
    expect(codes(await didSignature(byOld, resolver, check))).toEqual([]);
    published = buildOrganizationDidDocument({ did: DID, keys: [{ kid: `${DID}#key-1`, publicKey: oldKey.publicKey }, { kid: `${DID}#key-2`, publicKey: newKey.publicKey }] });

    now += 29_999; // the cached document is younger than 30 s: a miss is a miss, no fetch
    expect(codes(await didSignature(byNew, resolver, check))).toEqual(['ERR_KID_INVALID']);
    expect(fetches).toBe(1);

    now += 1; // old enough: the miss fetches the document again, which names the new key
    expect(codes(await didSignature(byNew, resolver, check))).toEqual([]);
    expect(codes(await didSignature(byOld, resolver, check))).toEqual([]);
    expect(fetches).toBe(2);

    // A stranger's kid costs no more than one fetch per 30 s.
    const byStranger = await signed(newKey, `${DID}#key-9`);
    for (let i = 0; i < 5; i++) expect(codes(await didSignature(byStranger, resolver, check))).toEqual(['ERR_KID_INVALID']);
    expect(fetches).toBe(2);
    now += 30_000;
    for (let i = 0; i < 5; i++) expect(codes(await didSignature(byStranger, resolver, check))).toEqual(['ERR_KID_INVALID']);
    expect(fetches).toBe(3);
  });

  it('a key of a document with the same kid but a new public key stops verifying after the TTL', async () => {
    let now = Date.parse('2025-06-01T00:00:00Z');
    let published = documentWith(`${DID}#key-1`, oldKey.publicKey);
    const resolver = createDidResolver({
      clock: () => new Date(now),
      cacheTtlMs: 60_000,
      fetch: () => Promise.resolve(new Response(JSON.stringify(published), { headers: { 'content-type': 'application/did+json' } })),
    });
    const byOld = await signed(oldKey, `${DID}#key-1`);
    expect(codes(await didSignature(byOld, resolver, check))).toEqual([]);
    published = documentWith(`${DID}#key-1`, newKey.publicKey);
    now += 60_000;
    expect(codes(await didSignature(byOld, resolver, check))).toEqual(['ERR_SIGNATURE_INVALID']);
    expect(codes(await didSignature(await signed(newKey, `${DID}#key-1`), resolver, check))).toEqual([]);
  });
});
