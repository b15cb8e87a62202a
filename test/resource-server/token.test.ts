// The token and DPoP checks of the resource-server verifier: an allowed
// request, then each refusal with its code, its OAuth error and its
// WWW-Authenticate challenge. acme's AS answers through an injected fetch.
//   acme (AS) -> alice (client) -> bank's API (this resource server)
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeBase64url, encodeBase64urlString } from '../../src/lib/base64url.js';
import { MemoryReplayCache } from '../../src/handshake/replay-cache.js';
import { generateDpopKey } from '../../src/oauth/dpop.js';
import { createResourceServer } from '../../src/resource-server/index.js';
import type { ResourceServerOptions, VerifyResult } from '../../src/resource-server/index.js';
import { acme, alice, evil, NOW } from '../fixtures.js';
import { accessToken, authorizationServer, clock, fetchFrom, ISSUER, RESOURCE, signedRequest } from './helpers.js';

const PRM = 'https://api.bank.example/.well-known/oauth-protected-resource';

function setup(extra: Partial<ResourceServerOptions> = {}) {
  const as = authorizationServer();
  const net = fetchFrom({ [ISSUER]: as.app });
  const rs = createResourceServer({
    resource: RESOURCE,
    issuers: [ISSUER],
    routes: { 'GET /tickets/:id': { action: 'read', resource: 'crm:tickets' } },
    clock,
    fetch: net.fetch,
    ...extra,
  });
  return { rs, as, net };
}

function refused(result: VerifyResult) {
  if (result.ok) throw new Error('expected a refusal');
  return result;
}

describe('resource server: token and DPoP checks', () => {
  it('allows a DPoP-bound token with a valid proof, and names who acted for whom', async () => {
    const { rs, as } = setup();
    const { token, key } = await accessToken();
    const result = await rs.verify(await signedRequest({ token, key }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.claims.client_id).toBe(alice.did);
    expect(result.attribution).toEqual([alice.did, alice.owner]);
    expect(result.capability).toMatchObject({ action: 'read', resource: 'crm:tickets' });
    expect(result.target).toEqual({ action: 'read', resource: 'crm:tickets' });
    expect(result.decidedBy).toBe('local');
    expect(as.fetched).toEqual(['/.well-known/oauth-authorization-server', '/oauth/jwks']);
    // The JWKS is cached: a second request fetches nothing.
    const again = await accessToken();
    expect((await rs.verify(await signedRequest(again))).ok).toBe(true);
    expect(as.fetched).toHaveLength(2);
  });

  it('challenges a request without credentials, with no error and the metadata URL', async () => {
    const { rs } = setup();
    const result = refused(await rs.verify(new Request(`${RESOURCE}/tickets/42`)));
    expect(result.status).toBe(401);
    const challenge = result.headers['WWW-Authenticate']!;
    expect(challenge).toMatch(/^DPoP /);
    expect(challenge).not.toContain('error=');
    expect(challenge).toContain(`resource_metadata="${PRM}"`);
    expect(challenge).toContain('algs="EdDSA ES256"');
  });

  it('refuses expired, replayed and mismatched DPoP proofs (ERR_DPOP_INVALID)', async () => {
    const { rs } = setup();
    const { token, key } = await accessToken();
    const other = await accessToken();
    const cases = {
      expired: await signedRequest({ token, key, proof: { at: new Date(NOW.getTime() - 10 * 60_000) } }),
      htm: await signedRequest({ token, key, proof: { htm: 'POST' } }),
      htu: await signedRequest({ token, key, proof: { htu: `${RESOURCE}/tickets/43` } }),
      ath: await signedRequest({ token, key, proof: { accessToken: other.token } }),
      jkt: await signedRequest({ token, key: generateDpopKey('ES256') }),
      missing: await signedRequest({ token, key, noProof: true }),
    };
    for (const [name, request] of Object.entries(cases)) {
      const result = refused(await rs.verify(request));
      expect({ name, status: result.status, code: result.code, error: result.error }).toEqual({ name, status: 401, code: 'ERR_DPOP_INVALID', error: 'invalid_dpop_proof' });
      expect(result.headers['WWW-Authenticate']).toContain('error="invalid_dpop_proof"');
    }
    const first = await signedRequest({ token, key, proof: { jti: 'once' } });
    const replay = first.clone();
    expect((await rs.verify(first)).ok).toBe(true);
    expect(refused(await rs.verify(replay)).code).toBe('ERR_DPOP_INVALID');
  });

  it('answers 503 when its replay cache is full, rather than guessing that a proof is fresh', async () => {
    const { rs } = setup({ replay: new MemoryReplayCache({ maxEntries: 1, clock }) });
    const { token, key } = await accessToken();
    expect((await rs.verify(await signedRequest({ token, key }))).ok).toBe(true);
    const busy = refused(await rs.verify(await signedRequest({ token, key })));
    expect([busy.status, busy.error, busy.code]).toEqual([503, 'temporarily_unavailable', 'ERR_RATE_LIMITED']);
  });

  it('checks htu against the public origin when the service sits behind a proxy', async () => {
    const { rs } = setup({ publicOrigin: 'https://public.bank.example' });
    const { token, key } = await accessToken();
    const proxied = await signedRequest({ token, key, url: 'http://127.0.0.1:8080/tickets/42', proof: { htu: 'https://public.bank.example/tickets/42?x=1' } });
    expect((await rs.verify(proxied)).ok).toBe(true);
    const direct = await signedRequest({ token, key, url: 'http://127.0.0.1:8080/tickets/42' });
    expect(refused(await rs.verify(direct)).code).toBe('ERR_DPOP_INVALID');
  });

  it('refuses an expired token, and a token for another audience', async () => {
    const { rs } = setup();
    const expired = await accessToken({ at: new Date(NOW.getTime() - 3600_000) });
    const result = refused(await rs.verify(await signedRequest(expired)));
    expect([result.status, result.code, result.error]).toEqual([401, 'ERR_EXPIRED', 'invalid_token']);
    const elsewhere = await accessToken({ audience: 'https://api.other.example' });
    const other = refused(await rs.verify(await signedRequest(elsewhere)));
    expect([other.status, other.code, other.error]).toEqual([401, 'ERR_AUDIENCE', 'invalid_token']);
    expect(other.headers['WWW-Authenticate']).toContain('error="invalid_token"');
  });

  it('refuses an untrusted issuer without fetching anything for it', async () => {
    const { rs, net } = setup();
    const stranger = await accessToken({ issuer: 'https://evil.example', signer: evil.signer });
    const result = refused(await rs.verify(await signedRequest(stranger)));
    expect([result.status, result.code]).toEqual([401, 'ERR_UNTRUSTED_ISSUER']);
    expect(net.urls).toEqual([]);
  });

  it('refetches the JWKS once for an unknown kid, then not again within the cooldown', async () => {
    let now = NOW.getTime();
    const moving = () => new Date(now);
    const { rs, as } = setup({ clock: moving, jwksCooldownMs: 30_000 });
    const at = () => new Date(now);
    const rotated = { ...acme.signer, kid: 'did:web:acme.example#key-2' };
    const ok = await accessToken({ at: at() });
    expect((await rs.verify(await signedRequest({ ...ok, proof: { at: at() } }))).ok).toBe(true);
    expect(as.fetched).toHaveLength(2);
    now += 31_000;
    const unknown = await accessToken({ signer: rotated, at: at() });
    const first = refused(await rs.verify(await signedRequest({ ...unknown, proof: { at: at() } })));
    expect([first.status, first.code]).toEqual([401, 'ERR_TOKEN_INVALID']);
    expect(as.fetched).toHaveLength(4); // one refetch: metadata and JWKS
    now += 1000;
    const another = await accessToken({ signer: { ...acme.signer, kid: 'did:web:acme.example#key-3' }, at: at() });
    expect(refused(await rs.verify(await signedRequest({ ...another, proof: { at: at() } }))).code).toBe('ERR_TOKEN_INVALID');
    expect(as.fetched).toHaveLength(4); // within the cooldown: no fetch
    // The key is rotated in; after the cooldown the next unknown kid finds it.
    as.keys.push({ kid: rotated.kid, publicKey: acme.signer.publicKey });
    now += 30_000;
    const later = await accessToken({ signer: rotated, at: at() });
    expect((await rs.verify(await signedRequest({ ...later, proof: { at: at() } }))).ok).toBe(true);
    expect(as.fetched).toHaveLength(6);
  });

  it('a token seen before is still checked on every use: times against the clock, the key against the JWKS', async () => {
    let now = NOW.getTime();
    const at = () => new Date(now);
    const { rs, as } = setup({ clock: at, jwksCooldownMs: 30_000, jwksTtlMs: 60_000 });
    const seen = await accessToken({ at: at(), lifetimeSeconds: 300 });
    expect((await rs.verify(await signedRequest({ ...seen, proof: { at: at() } }))).ok).toBe(true);
    const again = await rs.verify(await signedRequest({ ...seen, proof: { at: at() } }));
    expect(again.ok).toBe(true);
    if (again.ok) expect(Object.isFrozen(again.claims)).toBe(true);
    // The key is rotated out of acme's JWKS: once the JWKS is refetched, the same token no longer verifies.
    as.keys.splice(0, as.keys.length, { kid: 'did:web:acme.example#key-9', publicKey: acme.signer.publicKey });
    now += 61_000;
    expect(refused(await rs.verify(await signedRequest({ ...seen, proof: { at: at() } }))).code).toBe('ERR_TOKEN_INVALID');
    as.keys.splice(0, as.keys.length, { kid: acme.signer.kid, publicKey: acme.signer.publicKey });
    now += 61_000;
    expect((await rs.verify(await signedRequest({ ...seen, proof: { at: at() } }))).ok).toBe(true);
    // Past exp (plus skew): refused, though the token was verified before.
    now += 300_000;
    expect(refused(await rs.verify(await signedRequest({ ...seen, proof: { at: at() } }))).code).toBe('ERR_EXPIRED');
  });

  it('refuses alg none and HS256 before any key is fetched (ERR_ALG_NOT_ALLOWED)', async () => {
    const { rs, net } = setup();
    const { token, key } = await accessToken();
    const [, payload] = token.split('.');
    const header = (alg: string) => encodeBase64urlString(JSON.stringify({ alg, typ: 'at+jwt', kid: acme.signer.kid }));
    const none = `${header('none')}.${payload!}.${encodeBase64url(new Uint8Array(64))}`;
    const hsInput = `${header('HS256')}.${payload!}`;
    const hs256 = `${hsInput}.${encodeBase64url(createHmac('sha256', acme.signer.publicKey).update(hsInput).digest())}`;
    for (const forged of [none, hs256]) {
      const result = refused(await rs.verify(await signedRequest({ token: forged, key })));
      expect([result.status, result.code, result.error]).toEqual([401, 'ERR_ALG_NOT_ALLOWED', 'invalid_token']);
    }
    expect(net.urls).toEqual([]);
  });

  it('refuses a token without cnf when DPoP is required, presented either way', async () => {
    const { rs } = setup();
    const { token, key } = await accessToken({ dpopKey: null });
    const dpop = refused(await rs.verify(await signedRequest({ token, key })));
    expect([dpop.status, dpop.code, dpop.error]).toEqual([401, 'ERR_TOKEN_INVALID', 'invalid_token']);
    const bearer = refused(await rs.verify(await signedRequest({ token, scheme: 'Bearer' })));
    expect([bearer.status, bearer.code]).toEqual([401, 'ERR_TOKEN_INVALID']);
    expect(bearer.headers['WWW-Authenticate']).toMatch(/^DPoP /);
  });

  it('with bearer tokens allowed: accepts one without cnf, refuses a DPoP-bound token presented as Bearer', async () => {
    const { rs } = setup({ dpop: { required: false } });
    const plain = await accessToken({ dpopKey: null });
    expect((await rs.verify(await signedRequest({ token: plain.token, scheme: 'Bearer' }))).ok).toBe(true);
    const bound = await accessToken();
    const result = refused(await rs.verify(await signedRequest({ token: bound.token, scheme: 'Bearer' })));
    expect([result.status, result.code, result.error]).toEqual([401, 'ERR_TOKEN_INVALID', 'invalid_token']);
    expect(result.headers['WWW-Authenticate']).toMatch(/^Bearer /);
    // No credentials: both schemes are offered.
    const none = refused(await rs.verify(new Request(`${RESOURCE}/tickets/1`)));
    expect(none.headers['WWW-Authenticate']).toMatch(/^DPoP .*Bearer /);
  });

  it('refuses an oversized token (401 invalid_token, RFC 6750 §3.1) and a malformed Authorization header', async () => {
    const { rs, net } = setup();
    const key = generateDpopKey();
    const oversized = refused(await rs.verify(await signedRequest({ token: 'a'.repeat(17 * 1024), key })));
    expect([oversized.status, oversized.error, oversized.code]).toEqual([401, 'invalid_token', 'ERR_INPUT_TOO_LARGE']);
    expect(oversized.headers['WWW-Authenticate']).toContain('error="invalid_token"');
    const malformed = refused(await rs.verify(new Request(`${RESOURCE}/tickets/1`, { headers: { authorization: 'DPoP a b' } })));
    expect([malformed.status, malformed.code]).toEqual([401, 'ERR_TOKEN_INVALID']);
    expect(net.urls).toEqual([]);
  });

  it('asks for its server nonce, then accepts the proof that carries it', async () => {
    const { rs } = setup({ dpop: { nonce: { key: new Uint8Array(32).fill(7) } } });
    const { token, key } = await accessToken();
    const first = refused(await rs.verify(await signedRequest({ token, key })));
    expect([first.status, first.code, first.error]).toEqual([401, 'ERR_DPOP_NONCE', 'use_dpop_nonce']);
    const nonce = first.headers['DPoP-Nonce'];
    expect(typeof nonce).toBe('string');
    expect(first.headers['WWW-Authenticate']).toContain('error="use_dpop_nonce"');
    const second = await rs.verify(await signedRequest({ token, key, proof: { nonce: nonce! } }));
    expect(second.ok).toBe(true);
    if (second.ok) expect(typeof second.headers['DPoP-Nonce']).toBe('string');
    const forged = refused(await rs.verify(await signedRequest({ token, key, proof: { nonce: 'not-a-nonce' } })));
    expect(forged.code).toBe('ERR_DPOP_NONCE');
  });
});
