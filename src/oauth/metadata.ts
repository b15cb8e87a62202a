/**
 * @module oauth/metadata
 *
 * Discovery documents: the authorization server's RFC 8414 metadata (with
 * RFC 9396 `authorization_details_types_supported`, RFC 9449
 * `dpop_signing_alg_values_supported` and RFC 8693 token exchange as its one
 * grant), and a resource's RFC 9728 protected-resource metadata naming the
 * Legate authorization server, with the well-known URL each is served at.
 * Endpoints sit under the issuer URL, path included, so a node behind a path
 * prefix publishes addresses that reach it.
 */

import { legateError } from '../errors/index.js';
import { AUTHORIZATION_DETAILS_TYPE, DPOP_ALGS, GRANT_TYPE_TOKEN_EXCHANGE } from './types.js';

/** An absolute http(s) URL without fragment, or ERR_INVALID_ARGUMENT naming `what`. */
function httpUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw legateError('ERR_INVALID_ARGUMENT', `${what} must be an absolute URL`, { claim: what, cause });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '' || value.includes('#')) {
    throw legateError('ERR_INVALID_ARGUMENT', `${what} must be an http(s) URL without fragment`, { claim: what });
  }
  return url;
}

/** The issuer URL without a trailing slash, to append endpoint paths to. */
const base = (issuer: string) => issuer.replace(/\/+$/, '');

/**
 * The endpoints of the authorization server `issuer` (the contract of #15).
 * @throws InputError `ERR_INVALID_ARGUMENT` for an issuer that is not an http(s) URL without fragment.
 *
 * @example
 * ```ts
 * authorizationServerEndpoints('https://acme.example/legate').token // 'https://acme.example/legate/oauth/token'
 * ```
 */
export function authorizationServerEndpoints(issuer: string): { token: string; jwks: string; introspection: string; evaluation: string; evaluations: string } {
  httpUrl(issuer, 'issuer');
  const root = base(issuer);
  return {
    token: `${root}/oauth/token`,
    jwks: `${root}/oauth/jwks`,
    introspection: `${root}/oauth/introspect`,
    evaluation: `${root}/access/v1/evaluation`,
    evaluations: `${root}/access/v1/evaluations`,
  };
}

/**
 * The RFC 8414 metadata of the node's authorization server.
 *
 * @example
 * ```ts
 * authorizationServerMetadata({ issuer: 'https://acme.example', requireDpop: true }).token_endpoint
 * // 'https://acme.example/oauth/token'
 * ```
 */
export function authorizationServerMetadata(options: { issuer: string; requireDpop: boolean }): Record<string, unknown> {
  const endpoints = authorizationServerEndpoints(options.issuer);
  return {
    issuer: options.issuer,
    token_endpoint: endpoints.token,
    jwks_uri: endpoints.jwks,
    introspection_endpoint: endpoints.introspection,
    // RFC 8414 §2: required; there is no authorization endpoint, so no response type.
    response_types_supported: [],
    grant_types_supported: [GRANT_TYPE_TOKEN_EXCHANGE],
    // Agents are public clients: the presentation and the DPoP proof authenticate them.
    token_endpoint_auth_methods_supported: ['none'],
    introspection_endpoint_auth_methods_supported: ['private_key_jwt'],
    introspection_endpoint_auth_signing_alg_values_supported: ['EdDSA'],
    authorization_details_types_supported: [AUTHORIZATION_DETAILS_TYPE],
    dpop_signing_alg_values_supported: [...DPOP_ALGS],
    // Not an RFC 8414 member: tells a client that Bearer tokens are not issued here.
    ...(options.requireDpop ? { dpop_bound_access_tokens_required: true } : {}),
  };
}

/**
 * Where RFC 8414 §3.1 puts the metadata of `issuer`: the well-known path
 * inserted between the host and the issuer's path.
 *
 * @example
 * ```ts
 * authorizationServerMetadataUrl('https://acme.example/legate') // 'https://acme.example/.well-known/oauth-authorization-server/legate'
 * ```
 */
export function authorizationServerMetadataUrl(issuer: string): string {
  const url = httpUrl(issuer, 'issuer');
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

/**
 * RFC 9728 protected-resource metadata for a resource protected by Legate
 * authorization servers.
 *
 * @example
 * ```ts
 * protectedResourceMetadata({ resource: 'https://mcp.bank.example/mcp', authorizationServers: ['https://acme.example'] })
 * ```
 */
export function protectedResourceMetadata(options: {
  resource: string;
  authorizationServers: readonly string[];
  scopesSupported?: readonly string[] | undefined;
  /** Default true: tokens must be DPoP-bound. */
  requireDpop?: boolean | undefined;
  resourceName?: string | undefined;
}): Record<string, unknown> {
  httpUrl(options.resource, 'resource');
  return {
    resource: options.resource,
    authorization_servers: [...options.authorizationServers],
    bearer_methods_supported: ['header'],
    ...(options.scopesSupported === undefined ? {} : { scopes_supported: [...options.scopesSupported] }),
    ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
    authorization_details_types_supported: [AUTHORIZATION_DETAILS_TYPE],
    dpop_signing_alg_values_supported: [...DPOP_ALGS],
    dpop_bound_access_tokens_required: options.requireDpop ?? true,
  };
}

/**
 * Where RFC 9728 §3.1 puts a resource's metadata: `/.well-known/oauth-protected-resource`
 * inserted between the host and the resource's path and query (a lone
 * terminating `/` dropped).
 * @throws InputError `ERR_INVALID_ARGUMENT` for anything but an http(s) URL without fragment.
 *
 * @example
 * ```ts
 * protectedResourceMetadataUrl('https://api.example/mcp') // 'https://api.example/.well-known/oauth-protected-resource/mcp'
 * ```
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = httpUrl(resource, 'resource');
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}${url.search}`;
}
