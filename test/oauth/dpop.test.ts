import { createHmac, sign } from 'node:crypto';
import { EmbeddedJWK, SignJWT, exportJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { MemoryReplayCache } from '../../src/handshake/replay-cache.js';
import { generateKeyObjects } from '../../src/lib/generate-key.js';
import {
  accessTokenHash,
  createDpopProof,
  dpopKeyFromPrivateJwk,
  dpopKeyOfSigner,
  generateDpopKey,
  htuOf,
  privateJwkOf,
  verifyDpopProof,
  DpopProofKeys,
  type DpopKeyPair,
  type DpopVerifyOptions,
} from '../../src/oauth/dpop.js';
import { jwkThumbprint } from '../../src/oauth/jwk.js';
import { NOW, alice, frozenClock, thrown } from '../fixtures.js';

const clock = frozenClock();
const later = (seconds: number) => frozenClock(new Date(NOW.getTime() + seconds * 1000));
const htu = 'https://api.bank.example/payments';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const iat = Math.floor(NOW.getTime() / 1000);

/** A proof with any header and claims, signed by `key` (or by `signWith` for alg tricks). */
async function forge(
  key: DpopKeyPair,
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  signWith?: (input: Buffer) => Buffer,
): Promise<string> {
  const input = `${b64({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...header })}.${b64({ jti: 'j-1', htm: 'POST', htu, iat, ...claims })}`;
  const signature = signWith === undefined ? Buffer.from(await key.sign(Buffer.from(input))) : signWith(Buffer.from(input));
  return `${input}.${signature.toString('base64url')}`;
}

async function refusal(proof: string | undefined, options: Partial<DpopVerifyOptions> = {}) {
  return thrown(() => verifyDpopProof(proof, { htm: 'POST', htu, clock, ...options }));
}

describe.each(['EdDSA', 'ES256'] as const)('DPoP with %s', (alg) => {
  const key = generateDpopKey(alg);

  it('creates a proof that verifies, naming the key thumbprint', async () => {
    const proof = await createDpopProof({ key, htm: 'POST', htu, clock, nonce: 'n-1', jti: 'fixed' });
    const result = await verifyDpopProof(proof, { htm: 'POST', htu, clock });
    expect(result).toEqual({ jkt: key.jkt, jwk: key.publicJwk, jti: 'fixed', iat, nonce: 'n-1' });
    expect(key.jkt).toBe(jwkThumbprint(key.publicJwk));
  });

  it('binds an access token by ath', async () => {
    const proof = await createDpopProof({ key, htm: 'GET', htu, clock, accessToken: 'tok.en.x' });
    await expect(verifyDpopProof(proof, { htm: 'GET', htu, clock, accessToken: 'tok.en.x', expectedJkt: key.jkt })).resolves.toMatchObject({ jkt: key.jkt });
    const error = await refusal(proof, { htm: 'GET', accessToken: 'another.token.x' });
    expect([error.code, error.reason]).toEqual(['ERR_DPOP_INVALID', 'ath']);
  });

  it('interoperates with jose: a proof signed by jose with an embedded JWK verifies, and ours verifies with jose', async () => {
    // jose signs with node:crypto key objects (made through lib/generate-key: see there why).
    const { privateKey, publicKey } = generateKeyObjects(alg === 'EdDSA' ? { type: 'ed25519' } : { type: 'ec', namedCurve: 'P-256' });
    const jwk = await exportJWK(publicKey);
    const proof = await new SignJWT({ htm: 'POST', htu, jti: 'jose-1' })
      .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk })
      .setIssuedAt(iat)
      .sign(privateKey);
    await expect(verifyDpopProof(proof, { htm: 'POST', htu, clock })).resolves.toMatchObject({ jti: 'jose-1', iat });
    const ours = await createDpopProof({ key, htm: 'POST', htu });
    const { payload, protectedHeader } = await jwtVerify(ours, EmbeddedJWK, { typ: 'dpop+jwt' });
    expect(protectedHeader.alg).toBe(alg);
    expect(payload.htu).toBe(htu);
  });

  it('round-trips its private JWK', async () => {
    const again = dpopKeyFromPrivateJwk(privateJwkOf(key));
    expect(again.jkt).toBe(key.jkt);
    expect(again.alg).toBe(alg);
    const proof = await createDpopProof({ key: again, htm: 'POST', htu, clock });
    await expect(verifyDpopProof(proof, { htm: 'POST', htu, clock, expectedJkt: key.jkt })).resolves.toMatchObject({ jkt: key.jkt });
  });
});

describe('DPoP keys', () => {
  it('remembers imported proof keys per verifier: one entry per client key, bounded, and a forgery still refused', async () => {
    const keys = new DpopProofKeys(2);
    const [a, b, c] = [generateDpopKey(), generateDpopKey('ES256'), generateDpopKey()];
    for (const key of [a, a, b, c]) {
      const proof = await createDpopProof({ key, htm: 'POST', htu, clock });
      await expect(verifyDpopProof(proof, { htm: 'POST', htu, clock, keys })).resolves.toMatchObject({ jkt: key.jkt });
    }
    expect(keys.size).toBe(2);
    // a's key was imported before: a proof naming it but signed by another key still fails.
    const forged = await forge(a, {}, {}, (input) => sign(null, input, generateKeyObjects({ type: 'ed25519' }).privateKey));
    expect([(await refusal(forged, { keys })).code, (await refusal(forged, { keys })).reason]).toEqual(['ERR_DPOP_INVALID', 'signature']);
    expect(() => new DpopProofKeys(0)).toThrow(RangeError);
  });

  it("uses an agent's own key through its signer, with no exportable private half", async () => {
    const key = dpopKeyOfSigner(alice.signer);
    expect(key.publicJwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: Buffer.from(alice.signer.publicKey).toString('base64url') });
    const proof = await createDpopProof({ key, htm: 'POST', htu, clock });
    await expect(verifyDpopProof(proof, { htm: 'POST', htu, clock, expectedJkt: key.jkt })).resolves.toMatchObject({ jkt: key.jkt });
    expect((await thrown(() => privateJwkOf(key))).code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('refuses private JWKs that are not a DPoP key', async () => {
    const ed = privateJwkOf(generateDpopKey());
    const other = privateJwkOf(generateDpopKey());
    for (const jwk of [{ ...ed, d: undefined }, { ...ed, crv: 'X25519' }, { ...ed, x: other.x }, { kty: 'oct', k: 'AAAA' }, 'jwk']) {
      expect((await thrown(() => dpopKeyFromPrivateJwk(jwk))).code).toBe('ERR_INVALID_ARGUMENT');
    }
    expect(privateJwkOf(generateDpopKey('ES256'))).toMatchObject({ kty: 'EC', crv: 'P-256' });
  });
});

describe('htuOf (RFC 9449 §4.3)', () => {
  it.each([
    ['https://api.example/p?q=1#frag', 'https://api.example/p'],
    ['HTTPS://API.Example:443/a/../p', 'https://api.example/p'],
    ['http://127.0.0.1:80', 'http://127.0.0.1/'],
    ['http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/x'],
    ['https://api.example/%7euser/%2f', 'https://api.example/~user/%2F'],
  ])('%s -> %s', (url, expected) => {
    expect(htuOf(url)).toBe(expected);
  });

  it('refuses what is not an absolute http(s) URL', async () => {
    for (const url of ['/relative', 'ftp://x/y', 'not a url']) {
      const error = await thrown(() => htuOf(url));
      expect([error.code, error.reason]).toEqual(['ERR_DPOP_INVALID', 'htu']);
    }
  });
});

describe('DPoP refusals, each with its code and reason', () => {
  const key = generateDpopKey('EdDSA');
  const ec = generateDpopKey('ES256');

  it('missing or malformed', async () => {
    for (const proof of [undefined, '']) expect((await refusal(proof)).reason).toBe('missing');
    for (const proof of ['a.b', 'not-a-jwt', `${b64({ alg: 'EdDSA' })}.e30.%%%`, 'x'.repeat(5000)]) {
      const error = await refusal(proof);
      expect([error.code, error.reason]).toEqual(['ERR_DPOP_INVALID', 'malformed']);
    }
    expect((await refusal(await forge(key, {}, { jti: undefined }))).reason).toBe('malformed');
    expect((await refusal(await forge(key, { crit: ['x'] }, {}))).reason).toBe('malformed');
    expect((await refusal(await forge(key, {}, { nonce: 7 }))).reason).toBe('malformed');
  });

  it('a typ other than dpop+jwt', async () => {
    for (const typ of ['JWT', 'at+jwt', undefined]) {
      const error = await refusal(await forge(key, { typ }, {}));
      expect([error.code, error.reason]).toEqual(['ERR_DPOP_INVALID', 'typ']);
    }
  });

  it('alg tricks: none, HS256 keyed with the public key, RS256, and an alg that does not fit the key', async () => {
    const none = `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk })}.${b64({ jti: 'j', htm: 'POST', htu, iat })}.`;
    const hs256 = await forge(key, { alg: 'HS256' }, {}, (input) => createHmac('sha256', key.publicJwk.x).update(input).digest());
    const rsa = generateKeyObjects({ type: 'rsa', modulusLength: 2048 });
    const rs256 = await forge(key, { alg: 'RS256', jwk: rsa.publicKey.export({ format: 'jwk' }) }, {}, (input) => sign('sha256', input, rsa.privateKey));
    for (const proof of [none, hs256, rs256]) {
      const error = await refusal(proof);
      expect([error.code, error.reason]).toEqual(['ERR_DPOP_INVALID', 'alg']);
    }
    const mismatched = await forge(key, { alg: 'ES256', jwk: key.publicJwk }, {});
    expect((await refusal(mismatched)).reason).toBe('jwk');
  });

  it("reads RFC 9864's fully-specified Ed25519 as EdDSA, and nothing else under that name", async () => {
    await expect(verifyDpopProof(await forge(key, { alg: 'Ed25519' }, {}), { htm: 'POST', htu, clock })).resolves.toMatchObject({ jkt: key.jkt });
    expect((await refusal(await forge(ec, { alg: 'Ed25519' }, {}))).reason).toBe('jwk');
    expect((await refusal(await forge(key, { alg: 'Ed448' }, {}))).reason).toBe('alg');
  });

  it('a private key, or no key, in the jwk header', async () => {
    const withPrivate = await forge(key, { jwk: { ...key.publicJwk, d: privateJwkOf(key).d } }, {});
    const error = await refusal(withPrivate);
    expect([error.code, error.reason, error.claim]).toEqual(['ERR_DPOP_INVALID', 'jwk', 'jwk']);
    expect((await refusal(await forge(key, { jwk: undefined }, {}))).reason).toBe('jwk');
  });

  it('a signature by another key, or over other claims', async () => {
    const other = generateDpopKey('EdDSA');
    const byOther = await forge(key, {}, {}, (input) => Buffer.from(sign(null, input, dpopPrivate(other))));
    expect((await refusal(byOther)).reason).toBe('signature');
    const proof = await forge(ec, {}, {});
    const [h, , s] = proof.split('.');
    const error = await refusal(`${h}.${b64({ jti: 'j-2', htm: 'POST', htu, iat })}.${s}`);
    expect([error.code, error.reason]).toEqual(['ERR_DPOP_INVALID', 'signature']);
  });

  it('htm and htu of another request; the query and fragment are ignored', async () => {
    const proof = await createDpopProof({ key, htm: 'POST', htu: `${htu}?page=2`, clock });
    expect((await refusal(proof, { htm: 'GET' })).reason).toBe('htm');
    expect((await refusal(proof, { htm: 'post' })).reason).toBe('htm');
    expect((await refusal(proof, { htu: 'https://api.bank.example/refunds' })).reason).toBe('htu');
    expect((await refusal(proof, { htu: 'https://evil.example/payments' })).reason).toBe('htu');
    expect((await refusal(proof, { htu: 'http://api.bank.example/payments' })).reason).toBe('htu');
    await expect(verifyDpopProof(proof, { htm: 'POST', htu: `${htu}?other=1#x`, clock })).resolves.toMatchObject({ jkt: key.jkt });
    // A claim written with a query (some clients do) matches too, as §4.3 ignores it.
    const withQuery = await forge(key, {}, { htu: `${htu}?q=1` });
    await expect(verifyDpopProof(withQuery, { htm: 'POST', htu, clock })).resolves.toMatchObject({ jkt: key.jkt });
    expect((await refusal(await forge(key, {}, { htu: 'not a url' }))).reason).toBe('htu');
  });

  it('iat too old or in the future, with skew', async () => {
    const proof = await createDpopProof({ key, htm: 'POST', htu, clock });
    await expect(verifyDpopProof(proof, { htm: 'POST', htu, clock: later(170) })).resolves.toBeDefined();
    expect((await refusal(proof, { clock: later(181) })).reason).toBe('iat');
    expect((await refusal(proof, { clock: later(31), maxAgeSeconds: 10, skewSeconds: 20 })).reason).toBe('iat');
    await expect(verifyDpopProof(proof, { htm: 'POST', htu, clock: later(-59) })).resolves.toBeDefined();
    const error = await refusal(proof, { clock: later(-61) });
    expect([error.code, error.reason]).toEqual(['ERR_DPOP_INVALID', 'iat']);
    expect((await refusal(await forge(key, {}, { iat: `${iat}` }))).reason).toBe('iat');
    // A NumericDate with a fraction is still a time (RFC 7519 §2).
    await expect(verifyDpopProof(await forge(key, {}, { iat: iat + 0.5 }), { htm: 'POST', htu, clock })).resolves.toMatchObject({ iat: iat + 0.5 });
  });

  it('a replayed jti, while a refused proof does not burn its jti', async () => {
    const replay = new MemoryReplayCache({ clock });
    const proof = await createDpopProof({ key, htm: 'POST', htu, clock });
    expect((await refusal(proof, { htm: 'GET', replay })).reason).toBe('htm');
    await expect(verifyDpopProof(proof, { htm: 'POST', htu, clock, replay })).resolves.toBeDefined();
    const error = await refusal(proof, { replay });
    expect([error.code, error.reason]).toEqual(['ERR_DPOP_INVALID', 'replay']);
  });

  it('an ath missing or of another token', async () => {
    const proof = await createDpopProof({ key, htm: 'POST', htu, clock });
    expect((await refusal(proof, { accessToken: 'a.b.c' })).reason).toBe('ath');
    const other = await createDpopProof({ key, htm: 'POST', htu, clock, accessToken: 'x.y.z' });
    expect((await refusal(other, { accessToken: 'a.b.c' })).reason).toBe('ath');
    expect(accessTokenHash('a.b.c')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a key other than the one the token binds', async () => {
    const proof = await createDpopProof({ key, htm: 'POST', htu, clock });
    const error = await refusal(proof, { expectedJkt: ec.jkt });
    expect([error.code, error.reason]).toEqual(['ERR_DPOP_INVALID', 'jkt']);
  });

  it('a server nonce missing, stale or invalid: ERR_DPOP_NONCE', async () => {
    const verdicts = { current: 'ok', old: 'stale', forged: 'invalid' } as const;
    const check = (n: string | undefined) => (n === undefined ? 'missing' : (verdicts[n as keyof typeof verdicts] ?? 'invalid'));
    for (const [nonce, reason] of [[undefined, 'missing'], ['old', 'stale'], ['forged', 'invalid']] as const) {
      const proof = await createDpopProof({ key, htm: 'POST', htu, clock, nonce });
      const error = await refusal(proof, { nonce: check });
      expect([error.code, error.reason]).toEqual(['ERR_DPOP_NONCE', reason]);
    }
    const ok = await createDpopProof({ key, htm: 'POST', htu, clock, nonce: 'current' });
    await expect(verifyDpopProof(ok, { htm: 'POST', htu, clock, nonce: check })).resolves.toMatchObject({ nonce: 'current' });
  });
});

/** The node:crypto private key of a generated DPoP key, to forge with it. */
function dpopPrivate(key: DpopKeyPair) {
  return { key: privateJwkOf(key), format: 'jwk' as const };
}
