import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateKeyObjects } from '../../src/lib/generate-key.js';
import { ed25519PublicJwk, jwkThumbprint, parsePublicJwk } from '../../src/oauth/jwk.js';
import { acme, thrown } from '../fixtures.js';

// RFC 8037 Appendix A.2/A.3, see test/vectors/rfc8037/README.md.
const vector = JSON.parse(readFileSync(new URL('../vectors/rfc8037/ed25519-jwk-thumbprint.json', import.meta.url), 'utf8')) as {
  privateJwk: Record<string, string>;
  publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
  thumbprint: string;
};

describe('RFC 7638 thumbprints', () => {
  it('matches the RFC 8037 A.3 vector', () => {
    expect(jwkThumbprint(vector.publicJwk)).toBe(vector.thumbprint);
    // Member order of the input does not matter: the canonical form is rebuilt.
    expect(jwkThumbprint({ x: vector.publicJwk.x, kty: 'OKP', crv: 'Ed25519' })).toBe(vector.thumbprint);
  });

  it('refuses to take the thumbprint of something that is not a parsed public JWK', async () => {
    const error = await thrown(() => jwkThumbprint({ kty: 'RSA', n: 'x', e: 'AQAB' } as unknown as typeof vector.publicJwk));
    expect(error.code).toBe('ERR_DPOP_INVALID');
    expect((await thrown(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'x' } as unknown as typeof vector.publicJwk))).code).toBe('ERR_DPOP_INVALID');
  });

  it('agrees with jose for Ed25519 and P-256 keys', async () => {
    const ed = parsePublicJwk(generateKeyObjects({ type: 'ed25519' }).publicKey.export({ format: 'jwk' }));
    const ec = parsePublicJwk(generateKeyObjects({ type: 'ec', namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }));
    expect(jwkThumbprint(ed)).toBe(await calculateJwkThumbprint(ed, 'sha256'));
    expect(jwkThumbprint(ec)).toBe(await calculateJwkThumbprint(ec, 'sha256'));
  });
});

describe('parsePublicJwk', () => {
  const ec = generateKeyObjects({ type: 'ec', namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as Record<string, string>;

  it('keeps only the key members', () => {
    expect(parsePublicJwk({ ...vector.publicJwk, kid: 'k', use: 'sig' })).toEqual(vector.publicJwk);
    expect(parsePublicJwk(ec)).toEqual({ kty: 'EC', crv: 'P-256', x: ec.x, y: ec.y });
  });

  it.each<[string, unknown]>([
    ['a private Ed25519 key (d)', { ...vector.privateJwk }],
    ['a private EC key', generateKeyObjects({ type: 'ec', namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })],
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0' }],
    ['an RSA key', generateKeyObjects({ type: 'rsa', modulusLength: 1024 }).publicKey.export({ format: 'jwk' })],
    ['another curve', generateKeyObjects({ type: 'ec', namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' })],
    ['X25519', { kty: 'OKP', crv: 'X25519', x: vector.publicJwk.x }],
    ['a short x', { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }],
    ['non-base64url x', { kty: 'OKP', crv: 'Ed25519', x: `${vector.publicJwk.x.slice(0, -1)}+` }],
    ['a point off the curve', { kty: 'EC', crv: 'P-256', x: ec.x, y: ec.x }],
    ['a string', 'jwk'],
  ])('refuses %s with ERR_DPOP_INVALID (jwk)', async (_what, value) => {
    const error = await thrown(() => parsePublicJwk(value));
    expect(error.code).toBe('ERR_DPOP_INVALID');
    expect(error.claim).toBe('jwk');
    expect(error.reason).toBe('jwk');
  });

  it('writes a raw Ed25519 key as a JWK', () => {
    expect(ed25519PublicJwk(acme.signer.publicKey)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: Buffer.from(acme.signer.publicKey).toString('base64url') });
    expect(() => ed25519PublicJwk(new Uint8Array(31))).toThrow(RangeError);
    expect(jwkThumbprint(ed25519PublicJwk(new Uint8Array(Buffer.from(vector.publicJwk.x, 'base64url'))))).toBe(vector.thumbprint);
  });
});
