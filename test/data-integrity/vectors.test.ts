// W3C eddsa-rdfc-2022 test vectors: test/vectors/eddsa-rdfc-2022/, from
// w3c/vc-di-eddsa TestVectors/eddsa-rdfc-2022/* and TestVectors/keyPair.json at
// commit abb673eb9df673e24a8eaf939337de74759b5f8d; see test/vectors/README.md.
// Their second context (VC examples v2) is test/vectors/credentials-examples-v2.jsonld.

import { readFileSync } from 'node:fs';
import { base58 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { canonicalize, createProof, proofHashData, verifyProof } from '../../src/data-integrity/index.js';
import { signerFromKeyObject } from '../../src/keys/signer.js';
import { privateKeyObject } from '../../src/lib/ed25519.js';
import { multibaseToEd25519 } from '../../src/lib/multikey.js';
import { personaResolver } from '../fixtures.js';

const VECTORS = new URL('../vectors/eddsa-rdfc-2022/', import.meta.url);
const text = (name: string) => readFileSync(new URL(name, VECTORS), 'utf8');
const json = (name: string) => JSON.parse(text(name)) as Record<string, unknown>;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

const EXAMPLES_V2 = 'https://www.w3.org/ns/credentials/examples/v2';
const contexts = { [EXAMPLES_V2]: JSON.parse(readFileSync(new URL('../vectors/credentials-examples-v2.jsonld', import.meta.url), 'utf8')) as unknown };

const signed = json('signedDataInt.json');
const { proof, ...unsecured } = signed;
const proofConfig = json('proofConfigDataInt.json');
const keyPair = json('keyPair.json') as { publicKeyMultibase: string; privateKeyMultibase: string };

function vectorSigner() {
  const publicKey = multibaseToEd25519(keyPair.publicKeyMultibase)!;
  const secret = base58.decode(keyPair.privateKeyMultibase.slice(1));
  // Multicodec ed25519-priv (0x1300, varint 0x80 0x26) then the 32-byte secret key.
  expect([...secret.slice(0, 2)]).toEqual([0x80, 0x26]);
  const kid = `did:key:${keyPair.publicKeyMultibase}#${keyPair.publicKeyMultibase}`;
  return signerFromKeyObject(kid, publicKey, privateKeyObject(secret.slice(2), publicKey));
}

describe('eddsa-rdfc-2022 W3C vectors', () => {
  it('canonicalizes the document to canonDocDataInt.txt', async () => {
    expect(await canonicalize(unsecured, { contexts })).toBe(text('canonDocDataInt.txt'));
  });

  it('canonicalizes the proof configuration to proofCanonDataInt.txt', async () => {
    expect(await canonicalize(proofConfig, { contexts })).toBe(text('proofCanonDataInt.txt'));
  });

  it('hashes both and joins proof hash then document hash', async () => {
    const { proofValue: _value, ...options } = proof as Record<string, unknown>;
    const hashes = await proofHashData(unsecured, options, { contexts });
    expect(hashes.canonicalProofConfig).toBe(text('proofCanonDataInt.txt'));
    expect(hex(hashes.documentHash)).toBe(text('docHashDataInt.txt').trim());
    expect(hex(hashes.proofConfigHash)).toBe(text('proofHashDataInt.txt').trim());
    expect(hex(hashes.hashData)).toBe(text('combinedHashDataInt.txt').trim());
  });

  it('signs to the vector signature (hex and base58btc) and reproduces signedDataInt.json', async () => {
    const secured = await createProof(unsecured, { signer: vectorSigner(), created: new Date('2023-02-24T23:36:38Z'), contexts });
    expect(secured.proof.proofValue).toBe(text('sigBTC58DataInt.txt').trim());
    expect(hex(base58.decode(secured.proof.proofValue.slice(1)))).toBe(text('sigHexDataInt.txt').trim());
    expect(secured).toEqual(signed);
  });

  it('verifies signedDataInt.json through its did:key verification method', async () => {
    const result = await verifyProof(signed, { resolver: personaResolver(), contexts });
    expect(result.errors).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.document).toEqual(unsecured);
  });

  it('refuses the vector once a claim is changed', async () => {
    const tampered = { ...signed, credentialSubject: { id: 'did:example:abcdefgh', alumniOf: 'The School of Forgery' } };
    const result = await verifyProof(tampered, { resolver: personaResolver(), contexts });
    expect(result.verified).toBe(false);
    expect(result.errors.map((e) => e.code)).toEqual(['ERR_SIGNATURE_INVALID']);
  });

  it('refuses the vector without its examples context: contexts are never fetched', async () => {
    const result = await verifyProof(signed, { resolver: personaResolver() });
    expect(result.errors.map((e) => [e.code, e.reason])).toEqual([['ERR_MALFORMED', 'unknown-context']]);
  });
});
