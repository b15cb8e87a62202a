/**
 * The access tokens a Legate node issues, verified by panva's jose as any
 * resource server would (RFC 9068): `jwtVerify` with a remote JWK Set from
 * the issuer's metadata, issuer, audience, `typ: at+jwt` and EdDSA pinned.
 * The token is obtained by Legate's own client (`requestToken`, what
 * `legate token` runs), so this also proves that client against a real
 * authorization server.
 *   acme: carol -> alice          bank: the authorization server (see oauth-nodes.ts)
 */

import { calculateJwkThumbprint, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestToken } from '../../src/node/oauth/request-token.js';
import type { RequestedToken } from '../../src/node/oauth/types.js';
import { OWNER, RESOURCE, startOAuthNodes, type OAuthNodes } from './oauth-nodes.js';

let nodes: OAuthNodes;
let token: RequestedToken;
let jwksUri: string;
beforeAll(async () => {
  nodes = await startOAuthNodes();
  token = await requestToken(nodes.acme.node, { agent: 'alice', from: nodes.issuer, resource: RESOURCE, scope: ['read:accounts:checking', 'pay:invoices', 'write:crm:tickets'] });
  const metadata = (await (await fetch(`${nodes.issuer}/.well-known/oauth-authorization-server`)).json()) as { jwks_uri: string };
  jwksUri = metadata.jwks_uri;
});
afterAll(() => nodes?.close());

const verify = (jwt: string, overrides: { audience?: string; issuer?: string } = {}) =>
  jwtVerify(jwt, createRemoteJWKSet(new URL(jwksUri)), { issuer: nodes.issuer, audience: RESOURCE, typ: 'at+jwt', algorithms: ['EdDSA'], ...overrides });

describe('jose verifies the access tokens a Legate node issues', () => {
  it('obtains a DPoP-bound token with legate token’s client; what the bank does not trust is listed as rejected', () => {
    expect(token).toMatchObject({ tokenType: 'DPoP', rejected: [{ action: 'write', resource: 'crm:tickets', code: 'ERR_UNTRUSTED_ISSUER' }] });
    expect(token.scope.split(' ').sort()).toEqual(['pay:invoices', 'read:accounts:checking']);
    expect(token.expiresIn).toBeGreaterThan(0);
    expect(token.expiresIn).toBeLessThanOrEqual(300);
  });

  it('jwtVerify + createRemoteJWKSet accept it: issuer URL, one audience, at+jwt, EdDSA, sub = owner, act = alice, cnf.jkt = the DPoP key', async () => {
    const { payload, protectedHeader } = await verify(token.accessToken);
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
    expect(protectedHeader.kid).toMatch(new RegExp(`^${nodes.bank.did}#`));
    expect(payload).toMatchObject({ iss: nodes.issuer, aud: RESOURCE, sub: OWNER, client_id: nodes.aliceDid, act: { sub: nodes.aliceDid }, cnf: { jkt: token.dpop!.jkt } });
    expect(payload.exp! - payload.iat!).toBe(token.expiresIn);
    // The private JWK handed to the process that uses the token is the key the token is bound to.
    const { d: _d, ...publicJwk } = token.dpop!.privateJwk;
    expect(await calculateJwkThumbprint(publicJwk)).toBe(token.dpop!.jkt);
  });

  it('a tampered token fails: an edited claim, a stripped signature, alg none, another audience, another issuer', async () => {
    const [header, payload, signature] = token.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...claims, scope: 'pay:invoices write:crm:tickets' })).toString('base64url');
    await expect(verify(`${header}.${edited}.${signature}`)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    await expect(verify(`${header}.${payload}.`)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    await expect(verify(`${none}.${payload}.`)).rejects.toBeInstanceOf(errors.JOSEAlgNotAllowed);
    await expect(verify(token.accessToken, { audience: 'https://other.example/api' })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
    await expect(verify(token.accessToken, { issuer: nodes.acme.url })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss' });
  });

  it('the JWKS holds the bank’s Ed25519 keys only: public OKP JWKs with kid, alg EdDSA, use sig', async () => {
    const jwks = (await (await fetch(jwksUri)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key).not.toHaveProperty('d');
      expect(String(key.kid)).toMatch(new RegExp(`^${nodes.bank.did}#`));
    }
  });
});

describe('a Bearer token, where the bank allows them (oauth.requireDpop false)', () => {
  let bearerNodes: OAuthNodes | undefined;
  afterAll(() => bearerNodes?.close());

  it('legate token --bearer obtains one without cnf, and jose verifies it; a DPoP request still gets a DPoP token', async () => {
    bearerNodes = await startOAuthNodes({ requireDpop: false });
    const ask = (bearer: boolean) => requestToken(bearerNodes!.acme.node, { agent: 'alice', from: bearerNodes!.issuer, resource: RESOURCE, scope: ['read:accounts:checking'], bearer });
    const bearer = await ask(true);
    expect(bearer).toMatchObject({ tokenType: 'Bearer', scope: 'read:accounts:checking' });
    expect(bearer).not.toHaveProperty('dpop');
    const jwks = createRemoteJWKSet(new URL(`${bearerNodes.issuer}/oauth/jwks`));
    const { payload } = await jwtVerify(bearer.accessToken, jwks, { issuer: bearerNodes.issuer, audience: RESOURCE, typ: 'at+jwt', algorithms: ['EdDSA'] });
    expect(payload).not.toHaveProperty('cnf');
    expect(payload).toMatchObject({ sub: OWNER, act: { sub: bearerNodes.aliceDid } });
    expect(await ask(false)).toMatchObject({ tokenType: 'DPoP', dpop: { jkt: expect.any(String) as string } });
  });
});
