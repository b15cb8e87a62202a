import { describe, expect, it } from 'vitest';
import { ed25519KeyFromJwks, jwksOf } from '../../src/oauth/jwks.js';
import { acme, evil } from '../fixtures.js';

describe('JWKS', () => {
  const jwks = jwksOf([
    { kid: acme.signer.kid, publicKey: acme.signer.publicKey },
    { kid: `${acme.did}#key-0`, publicKey: evil.signer.publicKey },
  ]);

  it('publishes each key as an OKP EdDSA signing key under its DID URL', () => {
    expect(jwks.keys[0]).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: Buffer.from(acme.signer.publicKey).toString('base64url'),
      kid: acme.signer.kid,
      alg: 'EdDSA',
      use: 'sig',
    });
  });

  it('finds a key by kid', () => {
    expect(ed25519KeyFromJwks(jwks, acme.signer.kid)).toEqual(acme.signer.publicKey);
    expect(ed25519KeyFromJwks(jwks, `${acme.did}#key-0`)).toEqual(evil.signer.publicKey);
    expect(ed25519KeyFromJwks(JSON.parse(JSON.stringify(jwks)), acme.signer.kid)).toEqual(acme.signer.publicKey);
  });

  const entry = jwks.keys[0]!;
  it.each<[string, unknown]>([
    ['an unknown kid', jwks],
    ['two keys under one kid', { keys: [entry, { ...jwks.keys[1], kid: entry.kid }] }],
    ['a key with a private member', { keys: [{ ...entry, d: entry.x }] }],
    ['another alg', { keys: [{ ...entry, alg: 'ES256' }] }],
    ['an encryption key', { keys: [{ ...entry, use: 'enc' }] }],
    ['key_ops without verify', { keys: [{ ...entry, key_ops: ['sign'] }] }],
    ['X25519', { keys: [{ ...entry, crv: 'X25519' }] }],
    ['a short x', { keys: [{ ...entry, x: 'AAAA' }] }],
    ['no keys array', { keys: entry }],
    ['not an object', 'jwks'],
  ])('finds nothing for %s', (what, value) => {
    expect(ed25519KeyFromJwks(value, what === 'an unknown kid' ? `${acme.did}#key-9` : entry.kid)).toBeUndefined();
  });
});
