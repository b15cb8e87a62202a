// A stock OAuth client (oauth4webapi) against the bank's authorization server, in process:
// RFC 8414 discovery, RFC 8693 token exchange, DPoP with its own P-256 key (bound by the presentation's jkt),
// and the use_dpop_nonce retry (RFC 9449 §8). acme -> alice as in test/oauth-server/helpers.ts.
import { webcrypto } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { expect, it } from 'vitest';
import { jwkThumbprint, parsePublicJwk } from '../../src/oauth/jwk.js';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_PRESENTATION } from '../../src/oauth/types.js';
import { createPresentation } from '../../src/presentation/create.js';
import { webCryptoKeyPair } from '../helpers/webcrypto-keys.js';
import { claimsOf, ISSUER, openBank, partner, RESOURCE, settableClock } from './helpers.js';

it('oauth4webapi discovers the bank, retries on use_dpop_nonce and gets a DPoP-bound token for its own key', async () => {
  // oauth4webapi dates its proofs by the system clock: the bank follows it.
  const clock = Object.assign(() => new Date(), { state: settableClock().state });
  const bank = await openBank({}, clock);
  const p = await partner(bank);
  const customFetch = (url: string, init: { method: string; headers: Record<string, string>; body?: unknown }) =>
    Promise.resolve(bank.app.request(new URL(url).pathname, { method: init.method, headers: init.headers, ...(init.body === undefined ? {} : { body: init.body as string | URLSearchParams }) }));
  const as = await oauth.processDiscoveryResponse(new URL(ISSUER), await oauth.discoveryRequest(new URL(ISSUER), { algorithm: 'oauth2', [oauth.customFetch]: customFetch }));
  expect(as.token_endpoint).toBe(`${ISSUER}/oauth/token`);

  const client: oauth.Client = { client_id: p.alice.did };
  const keyPair = await webCryptoKeyPair({ name: 'ECDSA', namedCurve: 'P-256' });
  const jwk = await webcrypto.subtle.exportKey('jwk', keyPair.publicKey);
  const jkt = jwkThumbprint(parsePublicJwk({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }));
  const DPoP = oauth.DPoP(client, keyPair);
  let nonce = 'none yet';
  const attempt = async () => {
    const vp = await createPresentation({ signer: p.alice, credentials: [p.root], audience: ISSUER, nonce, jkt, clock });
    const parameters = new URLSearchParams({ subject_token: vp, subject_token_type: TOKEN_TYPE_PRESENTATION, resource: RESOURCE, scope: 'call:billing:refund' });
    const response = await oauth.genericTokenEndpointRequest(as, client, oauth.None(), GRANT_TYPE_TOKEN_EXCHANGE, parameters, { DPoP, [oauth.customFetch]: customFetch });
    nonce = response.headers.get('dpop-nonce') ?? nonce;
    return oauth.processGenericTokenEndpointResponse(as, client, response);
  };
  let nonceErrors = 0;
  let result: oauth.TokenEndpointResponse | undefined;
  for (let i = 0; i < 2 && result === undefined; i++) {
    try {
      result = await attempt();
    } catch (error) {
      if (!oauth.isDPoPNonceError(error)) throw error;
      nonceErrors++;
    }
  }
  expect(nonceErrors).toBe(1);
  expect(result?.token_type).toBe('dpop');
  expect(claimsOf(result!.access_token)).toMatchObject({ client_id: p.alice.did, aud: RESOURCE, cnf: { jkt } });
  await bank.node.close();
});
