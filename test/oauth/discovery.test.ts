// oauth/discovery: acme's RFC 8414 metadata and JWKS as a client reads them, each bound refused with its code
// (documents over 64 KiB, a JWKS over 64 keys) and metadata for another issuer refused (RFC 8414 §3.3).
//   acme (AS, https://acme.example) <- a client of its discovery documents
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/lib/http-client.js';
import { fetchAuthorizationServerMetadata, fetchIssuerJwks, MAX_DISCOVERY_BYTES } from '../../src/oauth/discovery.js';
import { jwksOf, MAX_JWKS_KEYS } from '../../src/oauth/jwks.js';
import { acme } from '../fixtures.js';

const ISSUER = 'https://acme.example';

function acmeAs(metadata: Record<string, unknown>, keys: number, padding = 0) {
  const app = new Hono();
  app.get('/.well-known/oauth-authorization-server', (c) => c.json({ issuer: ISSUER, jwks_uri: `${ISSUER}/oauth/jwks`, token_endpoint: `${ISSUER}/oauth/token`, ...metadata }));
  app.get('/oauth/jwks', (c) => {
    const set = jwksOf(Array.from({ length: keys }, (_, i) => ({ kid: `${acme.signer.kid}-${i}`, publicKey: acme.signer.publicKey })));
    return c.json(padding === 0 ? set : { ...set, padding: 'x'.repeat(padding) });
  });
  return createHttpClient({ fetch: async (url, init) => app.fetch(new Request(url, init)) });
}

const codeOf = async (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: { code: string }) => error.code);

describe('oauth/discovery', () => {
  it('reads the metadata and a JWKS of up to 64 keys', async () => {
    const http = acmeAs({}, MAX_JWKS_KEYS);
    expect(await fetchAuthorizationServerMetadata(http, ISSUER)).toEqual({ issuer: ISSUER, tokenEndpoint: `${ISSUER}/oauth/token`, jwksUri: `${ISSUER}/oauth/jwks` });
    expect((await fetchIssuerJwks(http, ISSUER)).keys).toHaveLength(MAX_JWKS_KEYS);
  });

  it('refuses a JWKS of more than 64 keys (ERR_INPUT_TOO_LARGE)', async () => {
    expect(await codeOf(fetchIssuerJwks(acmeAs({}, MAX_JWKS_KEYS + 1), ISSUER))).toBe('ERR_INPUT_TOO_LARGE');
  });

  it('refuses metadata or a JWKS over 64 KiB (ERR_INPUT_TOO_LARGE)', async () => {
    expect(await codeOf(fetchAuthorizationServerMetadata(acmeAs({ padding: 'x'.repeat(MAX_DISCOVERY_BYTES) }, 1), ISSUER))).toBe('ERR_INPUT_TOO_LARGE');
    expect(await codeOf(fetchIssuerJwks(acmeAs({}, 1, MAX_DISCOVERY_BYTES), ISSUER))).toBe('ERR_INPUT_TOO_LARGE');
  });

  it('refuses metadata naming another issuer (ERR_UNTRUSTED_ISSUER) and metadata without a jwks_uri for keys (ERR_MALFORMED)', async () => {
    expect(await codeOf(fetchAuthorizationServerMetadata(acmeAs({ issuer: 'https://evil.example' }, 1), ISSUER))).toBe('ERR_UNTRUSTED_ISSUER');
    expect(await codeOf(fetchIssuerJwks(acmeAs({ jwks_uri: undefined }, 1), ISSUER))).toBe('ERR_MALFORMED');
  });
});
