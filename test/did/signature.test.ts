// didSignature for tokens that name no key (VCDM 1.1 JWTs from did-jwt-vc and
// Veramo): each Ed25519 key the DID lists under the relationship is tried, at
// most eight; without `kidOptional` a kid stays required.
//   acme (did:web:acme.example) lists nine assertion keys; mallory signs with her own.
import type { DIDDocument } from 'did-resolver';
import { describe, expect, it } from 'vitest';
import { createDidResolver } from '../../src/did/resolver.js';
import { didSignature, type DidSignatureCheck } from '../../src/did/signature.js';
import { buildOrganizationDidDocument } from '../../src/did/web.js';
import { generateEphemeralSigner } from '../../src/keys/signer.js';
import { mallory } from '../fixtures.js';

const DID = 'did:web:acme.example';
const keys = Array.from({ length: 9 }, () => generateEphemeralSigner());
const nineKeys = buildOrganizationDidDocument({ did: DID, keys: keys.map((k, i) => ({ kid: `${DID}#key-${i + 1}`, publicKey: k.publicKey })) });
const noAssertionKeys: DIDDocument = { ...nineKeys, assertionMethod: [] };

const resolverWith = (doc: DIDDocument | undefined) =>
  createDidResolver({ local: (did) => Promise.resolve(did === DID ? doc : undefined), fetch: () => Promise.resolve(new Response('', { status: 404 })) });
const check: DidSignatureCheck = { did: DID, relationship: 'assertionMethod', party: 'issuer', didClaim: 'issuer', what: 'signature', kidOptional: true };
const data = new TextEncoder().encode('eyJhbGciOiJFZERTQSJ9.e30');
const signedBy = async (signer: { sign(data: Uint8Array): Promise<Uint8Array> }) => ({ header: {}, signingInput: data, signature: await signer.sign(data) });
const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);

describe('didSignature without a kid', () => {
  it('finds the listed key that verifies, and names it', async () => {
    const result = await didSignature(await signedBy(keys[4]!), resolverWith(nineKeys), check);
    expect(result.errors).toEqual([]);
    expect(result.key?.kid).toBe(`${DID}#key-5`);
  });

  it('tries at most eight keys: a signature by the ninth is ERR_SIGNATURE_INVALID', async () => {
    expect(codes(await didSignature(await signedBy(keys[7]!), resolverWith(nineKeys), check))).toEqual([]);
    expect(codes(await didSignature(await signedBy(keys[8]!), resolverWith(nineKeys), check))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it("refuses a key the DID does not list: ERR_SIGNATURE_INVALID", async () => {
    expect(codes(await didSignature(await signedBy(mallory.signer), resolverWith(nineKeys), check))).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('ERR_KID_INVALID when the DID lists no Ed25519 key under the relationship', async () => {
    const result = await didSignature(await signedBy(keys[0]!), resolverWith(noAssertionKeys), check);
    expect(result.errors.map((e) => [e.code, e.claim])).toEqual([['ERR_KID_INVALID', 'kid']]);
  });

  it('ERR_DID_UNRESOLVABLE when the DID does not resolve', async () => {
    const result = await didSignature(await signedBy(keys[0]!), resolverWith(undefined), check);
    expect(result.errors.map((e) => [e.code, e.claim])).toEqual([['ERR_DID_UNRESOLVABLE', 'issuer']]);
  });

  it('still requires a kid unless kidOptional: ERR_KID_INVALID', async () => {
    const { kidOptional: _optional, ...strict } = check;
    expect(codes(await didSignature(await signedBy(keys[0]!), resolverWith(nineKeys), strict))).toEqual(['ERR_KID_INVALID']);
  });
});
