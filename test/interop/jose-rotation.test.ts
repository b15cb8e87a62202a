/**
 * The OAuth JWKS across a rotation of the authorization server's key, seen
 * by panva's jose as a resource server sees it (a remote JWK Set from the
 * metadata): an access token signed before the rotation still verifies, one
 * signed after carries the new kid, and a key revoked as compromised leaves
 * the set, so what it signed stops verifying.
 *   acme: carol -> alice          bank: the authorization server (see oauth-nodes.ts)
 */

import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeKey } from '../../src/node/key-revoke.js';
import { rotateOrganizationKey } from '../../src/node/key-rotate.js';
import { requestToken } from '../../src/node/oauth/request-token.js';
import { RESOURCE, startOAuthNodes, type OAuthNodes } from './oauth-nodes.js';

let nodes: OAuthNodes;
let jwksUri: string;
const ask = () => requestToken(nodes.acme.node, { agent: 'alice', from: nodes.issuer, resource: RESOURCE, scope: ['read:accounts:checking'] });
beforeAll(async () => {
  nodes = await startOAuthNodes();
  const metadata = (await (await fetch(`${nodes.issuer}/.well-known/oauth-authorization-server`)).json()) as { jwks_uri: string };
  jwksUri = metadata.jwks_uri;
});
afterAll(() => nodes?.close());

// A fresh remote set each time: what a resource server sees once its JWKS cache has refreshed.
const verify = (jwt: string) => jwtVerify(jwt, createRemoteJWKSet(new URL(jwksUri)), { issuer: nodes.issuer, audience: RESOURCE, typ: 'at+jwt', algorithms: ['EdDSA'] });
const kids = async () => ((await (await fetch(jwksUri)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

describe('the JWKS across a key rotation', () => {
  it('keeps the rotated-out key while its tokens can be live, and drops it once it is revoked', async () => {
    const bank = nodes.bank.did;
    const before = await ask();
    const rotation = await rotateOrganizationKey(nodes.bank.node);
    expect(rotation).toMatchObject({ oldKid: `${bank}#key-1`, newKid: `${bank}#key-2` });
    expect(await kids()).toEqual([`${bank}#key-1`, `${bank}#key-2`]);
    expect((await verify(before.accessToken)).protectedHeader.kid).toBe(`${bank}#key-1`);

    const after = await ask();
    expect((await verify(after.accessToken)).protectedHeader.kid).toBe(`${bank}#key-2`);

    await revokeKey(nodes.bank.node, `${bank}#key-1`, { compromisedSince: new Date(Date.now() + 3_600_000).toISOString() });
    expect(await kids()).toEqual([`${bank}#key-2`]);
    await expect(verify(before.accessToken)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect((await verify(after.accessToken)).payload.aud).toBe(RESOURCE);
  });
});
