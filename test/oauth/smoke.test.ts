// Smoke test of every src/oauth export, written first so the helpers that depend on it can merge early;
// the per-module files test each behaviour and refusal in depth.
import { describe, expect, it } from 'vitest';
import { MemoryReplayCache } from '../../src/handshake/replay-cache.js';
import * as oauth from '../../src/oauth/index.js';
import { acme, alice, frozenClock, personaResolver, thrown } from '../fixtures.js';

describe('oauth core smoke', () => {
  it('round-trips a token, a proof, a nonce and a client assertion', async () => {
    const clock = frozenClock();
    const details = oauth.parseAuthorizationDetails(
      JSON.stringify([{ type: oauth.AUTHORIZATION_DETAILS_TYPE, action: 'pay', resource: 'bank:acct', scope: 'treasury' }]),
    );
    expect(oauth.parseScopes('pay:bank:acct#treasury')).toEqual([{ action: 'pay', resource: 'bank:acct', scope: 'treasury' }]);
    const key = oauth.generateDpopKey('ES256');
    const { token, claims } = await oauth.issueAccessToken({
      signer: acme.signer,
      issuer: 'https://acme.example',
      audience: 'https://api.bank.example/',
      clientId: alice.did,
      sub: alice.owner,
      act: { sub: alice.did },
      authorizationDetails: details,
      jkt: key.jkt,
      lifetimeSeconds: 300,
      clock,
    });
    expect(claims.scope).toBe('pay:bank:acct#treasury');
    const verified = await oauth.verifyAccessToken(token, {
      issuers: ['https://acme.example'],
      audience: 'https://api.bank.example/',
      key: (_iss, kid) => Promise.resolve(oauth.ed25519KeyFromJwks(oauth.jwksOf([{ kid: acme.signer.kid, publicKey: acme.signer.publicKey }]), kid)),
      clock,
    });
    expect(verified.cnf?.jkt).toBe(key.jkt);
    const nonces = oauth.createNonceIssuer({ key: new Uint8Array(32).fill(7), lifetimeSeconds: 60, clock });
    const nonce = nonces.issue();
    const proof = await oauth.createDpopProof({ key, htm: 'GET', htu: 'https://api.bank.example/x?y=1', accessToken: token, nonce, clock });
    const result = await oauth.verifyDpopProof(proof, {
      htm: 'GET',
      htu: 'https://api.bank.example/x',
      accessToken: token,
      expectedJkt: key.jkt,
      nonce: (n) => nonces.check(n),
      clock,
      replay: new MemoryReplayCache({ clock }),
    });
    expect(result.jkt).toBe(key.jkt);
    const assertion = await oauth.createClientAssertion({ signer: alice.signer, clientId: alice.did, audience: 'https://acme.example', clock });
    await expect(
      oauth.verifyClientAssertion(assertion, { allowed: [alice.did], audiences: ['https://acme.example'], resolver: personaResolver(), clock }),
    ).resolves.toEqual({ clientId: alice.did });
    expect((await thrown(() => oauth.parseScope('nope'))).code).toBe('ERR_INVALID_SCOPE');
    expect(oauth.tokenEndpointError(await thrown(() => oauth.parseScope('nope'))).body.error).toBe('invalid_scope');
    expect(oauth.authorizationServerMetadata({ issuer: 'https://acme.example', requireDpop: true }).token_endpoint).toBe('https://acme.example/oauth/token');
    expect(oauth.protectedResourceMetadataUrl('https://api.example/mcp')).toBe('https://api.example/.well-known/oauth-protected-resource/mcp');
    expect(oauth.wwwAuthenticate({ scheme: 'Bearer' })).toBe('Bearer');
    expect(oauth.privateJwkOf(oauth.dpopKeyFromPrivateJwk(oauth.privateJwkOf(key)))).toEqual(oauth.privateJwkOf(key));
  });
});
