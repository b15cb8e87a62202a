/**
 * @module oauth/discovery
 *
 * The one client of another authorization server's discovery documents:
 * its RFC 8414 metadata, accepted only when its `issuer` is exactly the
 * issuer asked for (RFC 8414 §3.3, so a server cannot answer for another),
 * and the JWK Set its `jwks_uri` names. Both documents are read through the
 * one HTTP client within {@link MAX_DISCOVERY_BYTES}, parsed with a depth
 * bound, and a JWKS of more than {@link MAX_JWKS_KEYS} keys is refused. Used
 * by the resource server (its issuer keys) and by the node's client
 * commands (`legate token request`, `legate token inspect`). Trust before
 * fetch is the caller's: nothing here decides which issuer may be asked.
 */

import { legateError } from '../errors/index.js';
import { isRecord } from '../lib/assert.js';
import type { HttpClient, HttpResponse } from '../lib/http-client.js';
import { parseJson } from '../lib/json.js';
import { MAX_JWKS_KEYS } from './jwks.js';
import { authorizationServerMetadataUrl } from './metadata.js';

/** Largest metadata document or JWKS read, in bytes. */
export const MAX_DISCOVERY_BYTES = 64 * 1024;
/** Longest URL a metadata document may name, in characters. */
const MAX_URL_LENGTH = 2048;

/** The fields of RFC 8414 metadata Legate uses, checked. */
export interface AuthorizationServerMetadata {
  issuer: string;
  /** Required by RFC 8414 §2 (a client needs it; a resource server does not read it). */
  tokenEndpoint?: string;
  jwksUri?: string;
  /** `dpop_signing_alg_values_supported` (RFC 9449 §5.1); absent when the server names none. */
  dpopAlgs?: string[];
}

/**
 * An issuer identifier as RFC 8414 §2 wants it: an absolute http(s) URL
 * without query or fragment; a lone trailing `/` on an origin is dropped
 * (`https://bank.example/` names `https://bank.example`).
 * @throws InputError `ERR_INVALID_ARGUMENT` (claim `claim`).
 */
export function issuerIdentifier(value: string, claim: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw legateError('ERR_INVALID_ARGUMENT', `${claim} must be an absolute URL`, { claim });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' || value.includes('#') || url.username !== '') {
    throw legateError('ERR_INVALID_ARGUMENT', `${claim} must be an http(s) URL without query, fragment or user`, { claim });
  }
  return url.pathname === '/' ? value.replace(/\/$/, '') : value;
}

function jsonObject(response: HttpResponse, what: string): Record<string, unknown> {
  const value = parseJson(new TextDecoder().decode(response.body), what, { maxLength: MAX_DISCOVERY_BYTES, maxDepth: 8 });
  if (!isRecord(value)) throw legateError('ERR_MALFORMED', `${what} is not a JSON object`, { claim: what });
  return value;
}

function urlField(metadata: Record<string, unknown>, name: string): string | undefined {
  const value = metadata[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH || !URL.canParse(value)) {
    throw legateError('ERR_MALFORMED', `the authorization server metadata has no valid ${name}`, { claim: name });
  }
  return value;
}

/**
 * Fetches and checks the RFC 8414 metadata of the authorization server `issuer`.
 * @throws LegateError `ERR_NOT_FOUND` (no metadata there), `ERR_MALFORMED`
 * (not metadata), `ERR_INPUT_TOO_LARGE` (over 64 KiB or too deep),
 * `ERR_UNTRUSTED_ISSUER` (its `issuer` is another), and the HTTP client's
 * errors (`ERR_PEER_UNREACHABLE`, `ERR_ADDRESS_NOT_ALLOWED`, …).
 */
export async function fetchAuthorizationServerMetadata(http: HttpClient, issuer: string): Promise<AuthorizationServerMetadata> {
  const response = await http.get(authorizationServerMetadataUrl(issuer), { accept: 'application/json', maxBytes: MAX_DISCOVERY_BYTES });
  if (response.status !== 200) {
    throw legateError(response.status === 404 ? 'ERR_NOT_FOUND' : 'ERR_MALFORMED', `${issuer} serves no authorization server metadata (HTTP ${response.status})`, {
      claim: 'issuer',
      reason: String(response.status),
    });
  }
  const metadata = jsonObject(response, 'metadata');
  // RFC 8414 §3.3: the metadata must be about the issuer we asked for, else another server could speak for it.
  if (metadata.issuer !== issuer) {
    const named = typeof metadata.issuer === 'string' ? metadata.issuer.replace(/[^\x21-\x7e]/g, '?').slice(0, 256) : 'none';
    throw legateError('ERR_UNTRUSTED_ISSUER', `the metadata at ${issuer} names another issuer (${named}): ask that issuer instead`, { claim: 'issuer', reason: 'mismatch' });
  }
  const algs = metadata.dpop_signing_alg_values_supported;
  const tokenEndpoint = urlField(metadata, 'token_endpoint');
  const jwksUri = urlField(metadata, 'jwks_uri');
  return {
    issuer,
    ...(tokenEndpoint === undefined ? {} : { tokenEndpoint }),
    ...(jwksUri === undefined ? {} : { jwksUri }),
    ...(Array.isArray(algs) ? { dpopAlgs: algs.filter((a): a is string => typeof a === 'string').slice(0, 16) } : {}),
  };
}

/**
 * Fetches the JWK Set the metadata names (its `jwks_uri`).
 * @throws LegateError `ERR_MALFORMED` (no `jwks_uri`, an error status, no `keys` array), `ERR_INPUT_TOO_LARGE`
 * (over 64 KiB, or more than {@link MAX_JWKS_KEYS} keys), and the HTTP client's errors.
 */
export async function fetchJwks(http: HttpClient, metadata: AuthorizationServerMetadata): Promise<{ keys: unknown[] }> {
  if (metadata.jwksUri === undefined) throw legateError('ERR_MALFORMED', `${metadata.issuer} publishes no jwks_uri`, { claim: 'jwks_uri' });
  const response = await http.get(metadata.jwksUri, { accept: 'application/jwk-set+json, application/json', maxBytes: MAX_DISCOVERY_BYTES });
  if (response.status !== 200) {
    throw legateError('ERR_MALFORMED', `${metadata.issuer}'s JWKS answered HTTP ${response.status}`, { claim: 'jwks_uri', reason: String(response.status) });
  }
  const jwks = jsonObject(response, 'jwks');
  if (!Array.isArray(jwks.keys)) throw legateError('ERR_MALFORMED', 'the JWKS has no keys array', { claim: 'jwks' });
  if (jwks.keys.length > MAX_JWKS_KEYS) throw legateError('ERR_INPUT_TOO_LARGE', `the JWKS holds more than ${MAX_JWKS_KEYS} keys`, { claim: 'jwks' });
  return { keys: jwks.keys };
}

/**
 * The JWK Set of the authorization server `issuer`, through its RFC 8414 metadata.
 * @throws LegateError as {@link fetchAuthorizationServerMetadata} and {@link fetchJwks}.
 */
export async function fetchIssuerJwks(http: HttpClient, issuer: string): Promise<{ keys: unknown[] }> {
  return fetchJwks(http, await fetchAuthorizationServerMetadata(http, issuer));
}
