import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { describe, expect, it } from 'vitest';
import {
  createDidResolver,
  didKeyFromPublicKey,
  didKeyVerificationMethodId,
  findVerificationMethod,
  publicKeyFromDidKey,
} from '../../src/did/index.js';
import type { DIDDocument } from '../../src/did/index.js';
import { isLegateError } from '../../src/errors/index.js';

interface VectorEntry {
  seed: string;
  didDocument: DIDDocument;
}

// W3C CCG did:key test vectors (Ed25519 with derived X25519), see test/vectors/README.md.
const vectors = JSON.parse(
  readFileSync(new URL('../vectors/did-key/ed25519-x25519.json', import.meta.url), 'utf8'),
) as Record<string, VectorEntry>;

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/**
 * One vector entry (seed 5) gives the document in the JsonWebKey2020
 * representation (did:key `publicKeyFormat` option). The resolver returns the
 * default 2018 representation; this re-expresses it, key by key, so that entry
 * is still compared in full.
 */
function toJsonWebKey2020(doc: DIDDocument): DIDDocument {
  return {
    ...doc,
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    verificationMethod: (doc.verificationMethod ?? []).map(({ id, type, controller, publicKeyBase58 }) => ({
      id,
      type: 'JsonWebKey2020',
      controller,
      publicKeyJwk: {
        kty: 'OKP',
        crv: type === 'Ed25519VerificationKey2018' ? 'Ed25519' : 'X25519',
        x: Buffer.from(base58.decode(publicKeyBase58 ?? '')).toString('base64url'),
      },
    })),
  };
}

// Fixed personas: deterministic keys from fixed seeds.
const alice = ed25519.getPublicKey(new Uint8Array(32).fill(0xa1));
const bob = ed25519.getPublicKey(new Uint8Array(32).fill(0xb0));

describe('did:key CCG vectors', () => {
  const entries = Object.entries(vectors);

  it('has vectors to check', () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  it.each(entries)('%s: derives from its seed and resolves to the vector document', async (did, entry) => {
    const seed = hexToBytes(entry.seed);
    expect(seed).toHaveLength(32);
    const publicKey = ed25519.getPublicKey(seed);
    expect(didKeyFromPublicKey(publicKey)).toBe(did);
    expect(publicKeyFromDidKey(did)).toEqual(publicKey);

    const result = await createDidResolver().resolve(did);
    expect(result.didResolutionMetadata.error).toBeUndefined();
    const expected = entry.didDocument;
    const actual = result.didDocument!;
    if (expected.verificationMethod?.[0]?.type === 'JsonWebKey2020') {
      expect(actual.verificationMethod?.[0]?.type).toBe('Ed25519VerificationKey2018');
      expect(toJsonWebKey2020(actual)).toEqual(expected);
    } else {
      expect(actual).toEqual(expected);
    }
  });
});

describe('did:key helpers', () => {
  it('encodes Ed25519 keys as z6Mk… and round-trips them', () => {
    const did = didKeyFromPublicKey(alice);
    expect(did).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
    expect(publicKeyFromDidKey(did)).toEqual(alice);
    expect(didKeyFromPublicKey(bob)).not.toBe(did);
  });

  it('names the verification method after the fingerprint', () => {
    const did = didKeyFromPublicKey(alice);
    const fingerprint = did.slice('did:key:'.length);
    expect(didKeyVerificationMethodId(did)).toBe(`${did}#${fingerprint}`);
  });

  it('the verification method id is the assertion key of the resolved document', async () => {
    const did = didKeyFromPublicKey(alice);
    const { didDocument } = await createDidResolver().resolve(did);
    expect(didDocument).not.toBeNull();
    const method = findVerificationMethod(didDocument!, didKeyVerificationMethodId(did), 'assertionMethod');
    expect(method?.publicKeyBase58).toBe(base58.encode(alice));
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => didKeyFromPublicKey(new Uint8Array(31))).toThrow(RangeError);
    expect(() => didKeyFromPublicKey('alice' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('rejects a non-did:key for the verification method id', () => {
    for (const bad of ['did:web:example.com', 'did:key:', 'did:key:abc', `did:key:z6Mk#x`]) {
      let error: unknown;
      try {
        didKeyVerificationMethodId(bad);
      } catch (e) {
        error = e;
      }
      expect(isLegateError(error, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('publicKeyFromDidKey returns undefined for anything else', () => {
    const did = didKeyFromPublicKey(alice);
    for (const bad of [
      '',
      'did:web:example.com',
      `${did}#frag`,
      did.replace('did:key:z', 'did:key:m'),
      'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme', // secp256k1
      `did:key:z${base58.encode(Uint8Array.of(0xed, 0x01, ...alice, 0))}`, // 33-byte key
      42 as unknown as string,
    ]) {
      expect(publicKeyFromDidKey(bad)).toBeUndefined();
    }
  });
});

describe('malformed did:key resolves to invalidDid data', () => {
  const resolver = createDidResolver();
  const mallory = ed25519.getPublicKey(new Uint8Array(32).fill(0x3a));
  const cases: Record<string, string> = {
    'not multibase': 'did:key:abc',
    'empty fingerprint': 'did:key:z',
    'bad base58': 'did:key:z6Mk0OIl',
    'truncated Ed25519 key': didKeyFromPublicKey(mallory).slice(0, -4),
    'unknown multicodec': `did:key:z${base58.encode(Uint8Array.of(0x99, 0x01, ...mallory))}`,
    'non-minimal varint for 0xed': `did:key:z${base58.encode(Uint8Array.of(0xed, 0x81, 0x00, ...mallory))}`,
    'not a curve point': `did:key:z${base58.encode(Uint8Array.of(0xed, 0x01, 2, ...new Uint8Array(31)))}`,
    'huge input': `did:key:z${'6'.repeat(100_000)}`,
  };

  it.each(Object.entries(cases))('%s', async (_name, did) => {
    const result = await resolver.resolve(did);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toBe('invalidDid');
    const message = result.didResolutionMetadata.message as string;
    expect(typeof message).toBe('string');
    expect(message.length).toBeLessThan(200);
  });

  it('resolves other key types as key-did-resolver does (secp256k1)', async () => {
    const did = 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme';
    const result = await resolver.resolve(did);
    expect(result.didResolutionMetadata.error).toBeUndefined();
    expect(result.didDocument?.id).toBe(did);
    expect(result.didDocument?.verificationMethod?.[0]?.type).toBe('Secp256k1VerificationKey2018');
  });
});
