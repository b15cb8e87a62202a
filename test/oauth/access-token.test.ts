import { createHmac } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { decodeAccessToken, issueAccessToken, verifyAccessToken, type VerifyAccessTokenOptions } from '../../src/oauth/access-token.js';
import { ed25519KeyFromJwks, jwksOf } from '../../src/oauth/jwks.js';
import type { DecodedJws } from '../../src/lib/jws.js';
import { AUTHORIZATION_DETAILS_TYPE, MAX_ACCESS_TOKEN_LENGTH, type LegateAuthorizationDetail } from '../../src/oauth/types.js';
import { NOW, acme, alice, bob, evil, frozenClock, thrown } from '../fixtures.js';

// acme (issuer) -> alice (agent, owner alice-owner) -> bob (sub-agent, the client)
const issuer = 'https://acme.example';
const audience = 'https://api.bank.example/';
const clock = frozenClock();
const later = (seconds: number) => frozenClock(new Date(NOW.getTime() + seconds * 1000));
const iat = Math.floor(NOW.getTime() / 1000);
const jwks = jwksOf([{ kid: acme.signer.kid, publicKey: acme.signer.publicKey }]);
const details: LegateAuthorizationDetail[] = [
  { type: AUTHORIZATION_DETAILS_TYPE, action: 'pay', resource: 'bank:acct', scope: 'treasury', constraints: { maxAmount: { value: 40, currency: 'EUR' } }, credential: 'urn:uuid:leaf' },
  { type: AUTHORIZATION_DETAILS_TYPE, action: 'read', resource: 'bank:balance', credential: 'urn:uuid:leaf' },
];
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function issue(overrides: Partial<Parameters<typeof issueAccessToken>[0]> = {}) {
  return issueAccessToken({
    signer: acme.signer,
    issuer,
    audience,
    clientId: bob.did,
    sub: alice.owner,
    act: { sub: bob.did, act: { sub: alice.did } },
    authorizationDetails: details,
    jkt: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
    lifetimeSeconds: 300,
    clock,
    ...overrides,
  });
}

function options(overrides: Partial<VerifyAccessTokenOptions> = {}): VerifyAccessTokenOptions {
  return { issuers: [issuer], audience, key: (_iss, kid) => Promise.resolve(ed25519KeyFromJwks(jwks, kid)), clock, ...overrides };
}

/** A token with any header and claims, signed by acme's key. */
async function forge(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const { claims: base } = await issue();
  const input = `${b64({ alg: 'EdDSA', kid: acme.signer.kid, typ: 'at+jwt', ...header })}.${b64({ ...base, ...claims })}`;
  return `${input}.${Buffer.from(await acme.signer.sign(Buffer.from(input))).toString('base64url')}`;
}

describe('access tokens (RFC 9068)', () => {
  it('keeps a verified token in its decoded cache frozen, with bytes of its own (not views of a pool slab)', async () => {
    const { token } = await issue();
    const kept = new Map<string, DecodedJws>();
    await verifyAccessToken(token, options({ decoded: kept }));
    const entry = kept.get(token)!;
    expect(Object.isFrozen(entry) && Object.isFrozen(entry.payload)).toBe(true);
    for (const bytes of [entry.signingInput, entry.signature]) expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    expect(Buffer.from(entry.signingInput).toString('latin1')).toBe(token.slice(0, token.lastIndexOf('.')));
    // A token seen again verifies from the kept entry (its signature checked over the copied bytes).
    await expect(verifyAccessToken(token, options({ decoded: kept }))).resolves.toMatchObject({ iss: issuer });
  });

  it('issues an at+jwt that verifies, with the claims of the contract', async () => {
    const { token, claims } = await issue({ id: 'urn:uuid:t-1' });
    expect(decodeAccessToken(token).header).toEqual({ alg: 'EdDSA', kid: acme.signer.kid, typ: 'at+jwt' });
    expect(claims).toEqual({
      iss: issuer,
      sub: alice.owner,
      aud: audience,
      client_id: bob.did,
      jti: 'urn:uuid:t-1',
      iat,
      exp: iat + 300,
      scope: 'pay:bank:acct#treasury read:bank:balance',
      authorization_details: details,
      act: { sub: bob.did, act: { sub: alice.did } },
      cnf: { jkt: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k' },
    });
    await expect(verifyAccessToken(token, options())).resolves.toEqual(claims);
  });

  it('never outlives notAfter, and refuses to issue one already past it', async () => {
    const { claims } = await issue({ notAfter: new Date(NOW.getTime() + 60_000) });
    expect(claims.exp).toBe(iat + 60);
    expect((await thrown(() => issue({ notAfter: NOW }))).code).toBe('ERR_INVALID_ARGUMENT');
    expect((await thrown(() => issue({ audience: '' }))).code).toBe('ERR_INVALID_ARGUMENT');
    expect((await thrown(() => issue({ authorizationDetails: [] }))).code).toBe('ERR_INVALID_ARGUMENT');
    expect((await thrown(() => issue({ act: { sub: alice.did } }))).code).toBe('ERR_INVALID_ARGUMENT');
    expect((await thrown(() => issue({ lifetimeSeconds: 0 }))).code).toBe('ERR_INVALID_ARGUMENT');
    for (const chains of ['', 'c'.repeat(129)]) expect(await thrown(() => issue({ chains }))).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', claim: 'chains' });
    const bearer = await issue({ jkt: undefined });
    expect(bearer.claims.cnf).toBeUndefined();
  });

  it('verifies with jose (jwtVerify + createLocalJWKSet over our JWKS)', async () => {
    const { token, claims } = await issue();
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer,
      audience,
      typ: 'at+jwt',
      algorithms: ['EdDSA'],
      currentDate: NOW,
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toEqual(claims);
  });

  it('refuses alg none and HS256 keyed with the public key before any key lookup', async () => {
    const { claims } = await issue();
    const key = vi.fn(() => Promise.resolve(acme.signer.publicKey));
    const none = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`;
    const hsInput = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: acme.signer.kid })}.${b64(claims)}`;
    const hs256 = `${hsInput}.${createHmac('sha256', Buffer.from(acme.signer.publicKey)).update(hsInput).digest('base64url')}`;
    for (const token of [none, hs256]) {
      const error = await thrown(() => verifyAccessToken(token, options({ key })));
      expect([error.code, error.claim]).toEqual(['ERR_ALG_NOT_ALLOWED', 'alg']);
    }
    expect(key).not.toHaveBeenCalled();
  });

  it('refuses a typ other than at+jwt (a plain JWT, a session token)', async () => {
    for (const typ of ['JWT', 'session+jwt', undefined]) {
      const error = await thrown(async () => verifyAccessToken(await forge({ typ }, {}), options()));
      expect([error.code, error.reason]).toEqual(['ERR_TOKEN_INVALID', 'typ']);
    }
    await expect(verifyAccessToken(await forge({ typ: 'application/at+jwt' }, {}), options())).resolves.toBeDefined();
  });

  it('refuses an untrusted issuer without looking up any key', async () => {
    const key = vi.fn(() => Promise.resolve(evil.signer.publicKey));
    const { token } = await issue({ signer: evil.signer, issuer: 'https://evil.example' });
    const error = await thrown(() => verifyAccessToken(token, options({ key })));
    expect([error.code, error.claim]).toEqual(['ERR_UNTRUSTED_ISSUER', 'iss']);
    expect(key).not.toHaveBeenCalled();
  });

  it('refuses an unknown kid, and a key that did not sign', async () => {
    const unknown = await thrown(async () => verifyAccessToken(await forge({ kid: `${acme.did}#key-9` }, {}), options()));
    expect([unknown.code, unknown.reason]).toEqual(['ERR_TOKEN_INVALID', 'kid']);
    const { token } = await issue();
    const wrongKey = await thrown(() => verifyAccessToken(token, options({ key: () => Promise.resolve(evil.signer.publicKey) })));
    expect(wrongKey.code).toBe('ERR_SIGNATURE_INVALID');
    const [h, p] = token.split('.');
    const tampered = await thrown(() => verifyAccessToken(`${h}.${p}.${'A'.repeat(86)}`, options()));
    expect(tampered.code).toBe('ERR_SIGNATURE_INVALID');
  });

  it('refuses a token for another audience', async () => {
    const { token } = await issue();
    const error = await thrown(() => verifyAccessToken(token, options({ audience: 'https://api.other.example/' })));
    expect([error.code, error.claim]).toEqual(['ERR_AUDIENCE', 'aud']);
    const asArray = await thrown(async () => verifyAccessToken(await forge({}, { aud: [audience, 'https://x.example/'] }), options()));
    expect(asArray.code).toBe('ERR_AUDIENCE');
  });

  it('refuses an expired or not yet valid token, with skew', async () => {
    const { token } = await issue();
    await expect(verifyAccessToken(token, options({ clock: later(359) }))).resolves.toBeDefined();
    expect((await thrown(() => verifyAccessToken(token, options({ clock: later(361) })))).code).toBe('ERR_EXPIRED');
    await expect(verifyAccessToken(token, options({ clock: later(-59) }))).resolves.toBeDefined();
    expect((await thrown(() => verifyAccessToken(token, options({ clock: later(-61) })))).code).toBe('ERR_NOT_YET_VALID');
    const nbf = await thrown(async () => verifyAccessToken(await forge({}, { nbf: iat + 120 }), options()));
    expect([nbf.code, nbf.claim]).toEqual(['ERR_NOT_YET_VALID', 'nbf']);
  });

  it('refuses an oversized token before decoding it', async () => {
    const { token } = await issue();
    const big = `${token}${'A'.repeat(MAX_ACCESS_TOKEN_LENGTH)}`;
    expect((await thrown(() => verifyAccessToken(big, options()))).code).toBe('ERR_INPUT_TOO_LARGE');
    expect((await thrown(() => verifyAccessToken(token, options({ maxLength: 100 })))).code).toBe('ERR_INPUT_TOO_LARGE');
  });

  it('refuses malformed tokens and claims of the wrong shape', async () => {
    for (const token of ['', 'a.b', 'x.y.z']) expect((await thrown(() => verifyAccessToken(token, options()))).code).toBe('ERR_TOKEN_INVALID');
    const cases: [Record<string, unknown>, string][] = [
      [{ sub: 7 }, 'sub'],
      [{ client_id: '' }, 'client_id'],
      [{ scope: undefined }, 'scope'],
      [{ exp: undefined }, 'exp'],
      [{ authorization_details: [] }, 'authorization_details'],
      [{ authorization_details: [{ type: 'other', action: 'pay', resource: 'bank' }] }, 'authorization_details'],
      [{ act: { sub: alice.did } }, 'act'],
      [{ act: undefined }, 'act'],
      [{ cnf: { jkt: 'short' } }, 'cnf'],
      [{ legate_chains: 7 }, 'legate_chains'],
      [{ legate_chains: '' }, 'legate_chains'],
      [{ legate_chains: 'c'.repeat(129) }, 'legate_chains'],
    ];
    for (const [claims, reason] of cases) {
      const error = await thrown(async () => verifyAccessToken(await forge({}, claims), options()));
      expect([error.code, error.reason]).toEqual(['ERR_TOKEN_INVALID', reason]);
    }
    const crit = await thrown(async () => verifyAccessToken(await forge({ crit: ['exp'] }, {}), options()));
    expect(crit.code).toBe('ERR_TOKEN_INVALID');
  });

  it('carries legate_chains when asked, and verifies it as a claim of the token', async () => {
    const { token, claims } = await issue({ chains: 'chains:abc' });
    expect(claims.legate_chains).toBe('chains:abc');
    expect((await verifyAccessToken(token, options())).legate_chains).toBe('chains:abc');
    expect((await issue()).claims).not.toHaveProperty('legate_chains');
  });

  it('decodes without verifying, for inspection', async () => {
    const { token, claims } = await issue();
    expect(decodeAccessToken(token).claims).toEqual(claims);
    expect((await thrown(() => decodeAccessToken('nope'))).code).toBe('ERR_MALFORMED');
  });
});
