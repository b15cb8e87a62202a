/**
 * Token exchange interop with panva's oauth4webapi, as an ordinary OAuth
 * client with no Legate code on its side of the wire: RFC 8414 discovery
 * against the bank's issuer, a DPoP handle over a WebCrypto key pair (ES256
 * and Ed25519), RFC 8693 token exchange as a public client (`None()`), the
 * RFC 9449 nonce dance through `isDPoPNonceError`. Only the subject token,
 * alice's vp+jwt, is made with Legate's library (it is her credential).
 *   acme: carol -> alice          bank: the authorization server (see oauth-nodes.ts)
 */

import type { webcrypto } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_PRESENTATION } from '../../src/oauth/types.js';
import { webCryptoKeyPair } from '../helpers/webcrypto-keys.js';
import { OWNER, RESOURCE, startOAuthNodes, type OAuthNodes } from './oauth-nodes.js';

let nodes: OAuthNodes;
beforeAll(async () => {
  nodes = await startOAuthNodes();
});
afterAll(() => nodes?.close());

type CryptoKeyPair = webcrypto.CryptoKeyPair;
/** A fresh WebCrypto key pair, private key not extractable, as a browser or Node client holds one. */
const keyPairOf = webCryptoKeyPair;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

const insecure = { [oauth.allowInsecureRequests]: true }; // plain HTTP to loopback only: the nodes' issuer is http://localhost:<port>

async function discover(): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(nodes.issuer);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
}

/** The token exchange as any OAuth client writes it; the presentation binds the DPoP key's thumbprint, or `bound`. */
async function exchange(as: oauth.AuthorizationServer, keyPair: CryptoKeyPair, scope: string, bound?: string) {
  const client: oauth.Client = { client_id: nodes.aliceDid };
  const DPoP = oauth.DPoP(client, keyPair);
  const jkt = await DPoP.calculateThumbprint();
  const request = (subjectToken: string) =>
    oauth.genericTokenEndpointRequest(as, client, oauth.None(), GRANT_TYPE_TOKEN_EXCHANGE, { subject_token: subjectToken, subject_token_type: TOKEN_TYPE_PRESENTATION, resource: RESOURCE, scope }, { DPoP, ...insecure });
  // The client knows no nonce yet: the server names one with use_dpop_nonce (RFC 9449 §8), and the presentation must carry it.
  let response = await request(await nodes.present('no-nonce-yet', bound ?? jkt));
  let retried = 0;
  for (;;) {
    const nonce = response.headers.get('dpop-nonce');
    try {
      return { jkt, result: await oauth.processGenericTokenEndpointResponse(as, client, response), retried };
    } catch (error) {
      if (!oauth.isDPoPNonceError(error) || retried > 1 || nonce === null) throw error;
      retried++;
      response = await request(await nodes.present(nonce, bound ?? jkt));
    }
  }
}

describe('oauth4webapi as the client of a Legate authorization server', () => {
  it('discovers the bank: issuer, token endpoint, token exchange, DPoP algorithms, public clients', async () => {
    const as = await discover();
    expect(as.issuer).toBe(nodes.issuer);
    expect(as.token_endpoint).toBe(`${nodes.issuer}/oauth/token`);
    expect(as.grant_types_supported).toContain(GRANT_TYPE_TOKEN_EXCHANGE);
    expect(as.token_endpoint_auth_methods_supported).toEqual(['none']);
    expect(as.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['EdDSA', 'ES256']));
  });

  for (const [name, algorithm] of [
    ['ES256', P256],
    ['Ed25519', { name: 'Ed25519' }],
  ] as const) {
    it(`exchanges alice's presentation for a DPoP-bound at+jwt (${name} key, one nonce retry)`, async () => {
      const as = await discover();
      const keyPair = await keyPairOf(algorithm);
      const { jkt, result, retried } = await exchange(as, keyPair, 'read:accounts:checking pay:invoices');
      expect(retried).toBe(1);
      expect(result.token_type).toBe('dpop');
      expect(result.issued_token_type).toBe('urn:ietf:params:oauth:token-type:access_token');
      expect(result.expires_in).toBeGreaterThan(0);
      expect(result.scope!.split(' ').sort()).toEqual(['pay:invoices', 'read:accounts:checking']);
      expect(decodeProtectedHeader(result.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'EdDSA' });
      const claims = decodeJwt(result.access_token);
      // The key oauth4webapi holds is the key the token is bound to; jose computes the same thumbprint from the public JWK.
      expect(jkt).toBe(await calculateJwkThumbprint(await crypto.subtle.exportKey('jwk', keyPair.publicKey)));
      expect(claims).toMatchObject({ iss: nodes.issuer, aud: RESOURCE, client_id: nodes.aliceDid, sub: OWNER, act: { sub: nodes.aliceDid }, cnf: { jkt } });
      expect(result.authorization_details).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'urn:legate:capability', action: 'pay', resource: 'invoices', constraints: { maxAmount: { value: 100, currency: 'EUR' } } })]),
      );
    });
  }

  it('refuses what the bank does not trust acme for, with the OAuth error and the Legate code in the body', async () => {
    const as = await discover();
    const keyPair = await keyPairOf(P256);
    const refused = await exchange(as, keyPair, 'write:crm:tickets').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(oauth.ResponseBodyError);
    const { error, status, cause } = refused as oauth.ResponseBodyError;
    expect({ error, status }).toEqual({ error: 'invalid_scope', status: 400 });
    expect(cause).toMatchObject({ code: 'ERR_INVALID_SCOPE', rejected: [{ action: 'write', resource: 'crm:tickets', code: 'ERR_UNTRUSTED_ISSUER' }] });
  });

  it('refuses a proof by another key than the one the presentation binds (invalid_grant, ERR_KEY_BINDING)', async () => {
    const as = await discover();
    const client: oauth.Client = { client_id: nodes.aliceDid };
    const bound = await oauth.DPoP(client, await keyPairOf(P256)).calculateThumbprint();
    // mallory's key signs the DPoP proofs; alice's presentation binds another key.
    const refused = (await exchange(as, await keyPairOf(P256), 'read:accounts:checking', bound).catch((error: unknown) => error)) as oauth.ResponseBodyError;
    expect(refused).toBeInstanceOf(oauth.ResponseBodyError);
    expect({ error: refused.error, code: refused.cause.code }).toEqual({ error: 'invalid_grant', code: 'ERR_KEY_BINDING' });
  });
});
