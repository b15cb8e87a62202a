/**
 * @module node/oauth/discover
 *
 * A client's view of another organization's OAuth authorization server:
 * its RFC 8414 metadata, fetched through the one HTTP client and accepted
 * only when its `issuer` is exactly the issuer the user named (RFC 8414
 * §3.3, so a server cannot answer for another issuer), and the Ed25519 keys
 * of its JWKS. Trust before fetch: nothing is fetched but what the user
 * named, and the JWKS only from the metadata of that issuer.
 */

import { legateError } from '../../errors/index.js';
import { isRecord } from '../../lib/assert.js';
import type { HttpClient, HttpResponse } from '../../lib/http-client.js';
import { ed25519KeyFromJwks } from '../../oauth/jwks.js';

/** Largest metadata document or JWKS read, in bytes. */
const MAX_DOCUMENT_BYTES = 64 * 1024;
/** Longest URL a metadata document may name, in characters. */
const MAX_URL_LENGTH = 2048;

/** The fields of RFC 8414 metadata a Legate client uses, checked. */
export interface AuthorizationServerMetadata {
  issuer: string;
  tokenEndpoint: string;
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

/** RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path. */
export function metadataUrlOf(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

function json(response: HttpResponse, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(response.body));
  } catch {
    throw legateError('ERR_MALFORMED', `${what} is not JSON`, { claim: what });
  }
  if (!isRecord(value)) throw legateError('ERR_MALFORMED', `${what} is not a JSON object`, { claim: what });
  return value;
}

function urlField(metadata: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = metadata[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH || !URL.canParse(value)) {
    throw legateError('ERR_MALFORMED', `the authorization server metadata has no valid ${name}`, { claim: name });
  }
  return value;
}

/**
 * Fetches and checks the RFC 8414 metadata of the authorization server `issuer`.
 * @throws LegateError `ERR_NOT_FOUND` (no metadata there), `ERR_MALFORMED`
 * (not metadata), `ERR_UNTRUSTED_ISSUER` (its `issuer` is another), and the
 * HTTP client's errors (`ERR_PEER_UNREACHABLE`, `ERR_ADDRESS_NOT_ALLOWED`, …).
 */
export async function fetchAuthorizationServerMetadata(http: HttpClient, issuer: string): Promise<AuthorizationServerMetadata> {
  const response = await http.get(metadataUrlOf(issuer), { accept: 'application/json', maxBytes: MAX_DOCUMENT_BYTES });
  if (response.status !== 200) {
    throw legateError(response.status === 404 ? 'ERR_NOT_FOUND' : 'ERR_MALFORMED', `${issuer} serves no authorization server metadata (HTTP ${response.status})`, {
      claim: 'issuer',
      reason: String(response.status),
    });
  }
  const metadata = json(response, 'metadata');
  // RFC 8414 §3.3: the metadata must be about the issuer we asked for, else another server could speak for it.
  if (metadata.issuer !== issuer) {
    const named = typeof metadata.issuer === 'string' ? metadata.issuer.replace(/[^\x21-\x7e]/g, '?').slice(0, 256) : 'none';
    throw legateError('ERR_UNTRUSTED_ISSUER', `the metadata at ${issuer} names another issuer (${named}): ask that issuer instead`, { claim: 'issuer', reason: 'mismatch' });
  }
  const algs = metadata.dpop_signing_alg_values_supported;
  const jwksUri = urlField(metadata, 'jwks_uri', false);
  return {
    issuer,
    tokenEndpoint: urlField(metadata, 'token_endpoint', true)!,
    ...(jwksUri === undefined ? {} : { jwksUri }),
    ...(Array.isArray(algs) ? { dpopAlgs: algs.filter((a): a is string => typeof a === 'string').slice(0, 16) } : {}),
  };
}

/**
 * The key lookup of an issuer's access tokens: its JWKS (fetched once, on
 * first use), searched by `kid` for an Ed25519 key.
 * @throws LegateError `ERR_MALFORMED` when the metadata names no JWKS or it is no JSON object; the HTTP client's errors.
 */
export function issuerKeys(http: HttpClient, metadata: AuthorizationServerMetadata): (kid: string) => Promise<Uint8Array | undefined> {
  let jwks: Promise<Record<string, unknown>> | undefined;
  const load = async () => {
    if (metadata.jwksUri === undefined) throw legateError('ERR_MALFORMED', `${metadata.issuer} publishes no jwks_uri`, { claim: 'jwks_uri' });
    const response = await http.get(metadata.jwksUri, { accept: 'application/jwk-set+json, application/json', maxBytes: MAX_DOCUMENT_BYTES });
    if (response.status !== 200) throw legateError('ERR_MALFORMED', `${metadata.issuer}'s JWKS answered HTTP ${response.status}`, { claim: 'jwks_uri', reason: String(response.status) });
    return json(response, 'jwks');
  };
  return async (kid) => ed25519KeyFromJwks(await (jwks ??= load()), kid);
}
