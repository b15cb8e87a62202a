import { describe, expect, it } from 'vitest';
import {
  authorizationServerMetadata,
  authorizationServerMetadataUrl,
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from '../../src/oauth/metadata.js';
import { AUTHORIZATION_DETAILS_TYPE, GRANT_TYPE_TOKEN_EXCHANGE } from '../../src/oauth/types.js';
import { thrown } from '../fixtures.js';

describe('authorization server metadata (RFC 8414)', () => {
  it('names the endpoints, the grant, the details type and the DPoP algorithms', () => {
    expect(authorizationServerMetadata({ issuer: 'https://acme.example', requireDpop: true })).toEqual({
      issuer: 'https://acme.example',
      token_endpoint: 'https://acme.example/oauth/token',
      jwks_uri: 'https://acme.example/oauth/jwks',
      introspection_endpoint: 'https://acme.example/oauth/introspect',
      response_types_supported: [],
      grant_types_supported: [GRANT_TYPE_TOKEN_EXCHANGE],
      token_endpoint_auth_methods_supported: ['none'],
      introspection_endpoint_auth_methods_supported: ['private_key_jwt'],
      introspection_endpoint_auth_signing_alg_values_supported: ['EdDSA'],
      authorization_details_types_supported: [AUTHORIZATION_DETAILS_TYPE],
      dpop_signing_alg_values_supported: ['EdDSA', 'ES256'],
      dpop_bound_access_tokens_required: true,
    });
    expect(authorizationServerMetadata({ issuer: 'https://acme.example', requireDpop: false })).not.toHaveProperty('dpop_bound_access_tokens_required');
  });

  it('puts the endpoints of an issuer with a path under that path', () => {
    const metadata = authorizationServerMetadata({ issuer: 'https://acme.example/legate', requireDpop: true });
    expect(metadata.issuer).toBe('https://acme.example/legate');
    expect(metadata.token_endpoint).toBe('https://acme.example/legate/oauth/token');
    expect(metadata.jwks_uri).toBe('https://acme.example/legate/oauth/jwks');
    expect(authorizationServerMetadataUrl('https://acme.example/legate')).toBe('https://acme.example/.well-known/oauth-authorization-server/legate');
    expect(authorizationServerMetadataUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/.well-known/oauth-authorization-server');
  });

  it('refuses an issuer that is not an http(s) URL', async () => {
    for (const issuer of ['did:web:acme.example', 'acme.example', 'https://acme.example#x']) {
      expect((await thrown(() => authorizationServerMetadata({ issuer, requireDpop: true }))).code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe('protected resource metadata (RFC 9728)', () => {
  it('names the authorization servers and what tokens it takes', () => {
    expect(
      protectedResourceMetadata({
        resource: 'https://mcp.bank.example/mcp',
        authorizationServers: ['https://acme.example'],
        scopesSupported: ['call:tools:*'],
        resourceName: 'Bank MCP',
      }),
    ).toEqual({
      resource: 'https://mcp.bank.example/mcp',
      authorization_servers: ['https://acme.example'],
      bearer_methods_supported: ['header'],
      scopes_supported: ['call:tools:*'],
      resource_name: 'Bank MCP',
      authorization_details_types_supported: [AUTHORIZATION_DETAILS_TYPE],
      dpop_signing_alg_values_supported: ['EdDSA', 'ES256'],
      dpop_bound_access_tokens_required: true,
    });
    expect(protectedResourceMetadata({ resource: 'https://api.example/', authorizationServers: [], requireDpop: false }).dpop_bound_access_tokens_required).toBe(false);
  });

  it.each([
    // RFC 9728 §3.1: the well-known string goes between the host and the path (and query).
    ['https://resource.example.com/resource1', 'https://resource.example.com/.well-known/oauth-protected-resource/resource1'],
    ['https://api.example/', 'https://api.example/.well-known/oauth-protected-resource'],
    ['https://api.example', 'https://api.example/.well-known/oauth-protected-resource'],
    ['https://api.example/a/b/', 'https://api.example/.well-known/oauth-protected-resource/a/b/'],
    ['https://api.example/mcp?tenant=1', 'https://api.example/.well-known/oauth-protected-resource/mcp?tenant=1'],
    ['http://127.0.0.1:4000/mcp', 'http://127.0.0.1:4000/.well-known/oauth-protected-resource/mcp'],
  ])('%s -> %s', (resource, url) => {
    expect(protectedResourceMetadataUrl(resource)).toBe(url);
  });

  it('refuses a resource with a fragment or not http(s)', async () => {
    for (const resource of ['https://api.example/mcp#x', 'urn:x:y', 'relative/path']) {
      expect((await thrown(() => protectedResourceMetadataUrl(resource))).code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});
