/**
 * @module node/oauth/client-auth
 *
 * Who may ask this node about tokens and decisions (#15 items 4 and 6):
 * resource servers and gateways registered in `oauth.clients`, each
 * authenticating with `private_key_jwt` (RFC 7523 §2.2, RFC 7521 §4.2): a
 * client assertion signed by a key of its DID, `iss` = `sub` = that DID,
 * `aud` = the issuer URL or the endpoint's URL, short-lived and single-use
 * (its `jti` is claimed in the node's replay store, so every instance
 * sharing the store refuses a replay). A DID outside `oauth.clients` is
 * refused before it is resolved: a stranger costs the node no fetch.
 * Each entry names an audience the client serves (`<DID>=<resource URL>`,
 * or `=<agent DID>` for session tokens; the DID repeated for more): a
 * client learns about, and gets decisions on, only tokens for its own
 * audiences. A bare DID authenticates but serves no audience (fail closed).
 * Introspection carries the assertion in the form (RFC 7662 §2.1 leaves the
 * method to the server); AuthZEN in `Authorization: Bearer`.
 */

import { isLegateError, legateError } from '../../errors/index.js';
import { decodeCompactJws } from '../../lib/jws.js';
import { verifyClientAssertion } from '../../oauth/client-assertion.js';
import { wwwAuthenticate } from '../../oauth/errors.js';
import { CLIENT_ASSERTION_TYPE_JWT_BEARER } from '../../oauth/types.js';
import type { NodeContext } from '../context.js';
import { storeReplayCache } from '../replay.js';
import { issuerOf } from './metadata.js';
import type { EndpointResponse } from './types.js';

/** Longest client assertion read, in characters (a compact JWS with a DID URL `kid`). */
export const MAX_CLIENT_ASSERTION_LENGTH = 8 * 1024;

/** The node's issuer URL, as the token endpoint writes it into `iss` (node/oauth/metadata). */
export function issuerUrl(node: NodeContext): string {
  return issuerOf(node);
}

/** The URL of one of the node's endpoints (`/oauth/introspect`, `/access/v1/evaluation`…). */
export function endpointUrl(node: NodeContext, path: string): string {
  return `${issuerUrl(node)}${path}`;
}

/** An authenticated caller: its DID and the audiences (`aud` of the tokens) it may ask about. */
export interface AuthenticatedClient {
  did: string;
  audiences: ReadonlySet<string>;
}

/**
 * `oauth.clients` read: each client DID with the audiences its entries name
 * (`<DID>=<audience>`; a bare `<DID>` registers it with none).
 *
 * @example
 * ```ts
 * registeredClients(['did:web:rs.example=https://rs.example/api', 'did:key:z6Mk…'])
 * // Map { 'did:web:rs.example' => Set { 'https://rs.example/api' }, 'did:key:z6Mk…' => Set {} }
 * ```
 */
export function registeredClients(entries: readonly string[]): Map<string, Set<string>> {
  const clients = new Map<string, Set<string>>();
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const did = at < 0 ? entry : entry.slice(0, at);
    const audiences = clients.get(did) ?? new Set<string>();
    if (at >= 0) audiences.add(entry.slice(at + 1));
    clients.set(did, audiences);
  }
  return clients;
}

/**
 * The caller, once its assertion verifies for `path`.
 * @throws LegateError `ERR_INVALID_CLIENT` (reason: missing, or the check that failed).
 */
export async function authenticateClient(node: NodeContext, assertion: string | undefined, path: string): Promise<AuthenticatedClient> {
  if (assertion === undefined || assertion.length === 0) {
    throw legateError('ERR_INVALID_CLIENT', 'client authentication is required (private_key_jwt)', { reason: 'missing' });
  }
  if (assertion.length > MAX_CLIENT_ASSERTION_LENGTH) {
    throw legateError('ERR_INVALID_CLIENT', 'the client assertion is too large', { reason: 'size' });
  }
  const clients = registeredClients(node.oauth.clients);
  const { clientId } = await verifyClientAssertion(assertion, {
    allowed: [...clients.keys()],
    audiences: [issuerUrl(node), endpointUrl(node, path)],
    resolver: node.resolver,
    replay: storeReplayCache(node),
    clock: node.clock,
    skewSeconds: node.oauth.clockSkewSeconds,
  });
  return { did: clientId, audiences: clients.get(clientId) ?? new Set() };
}

/** The DID an assertion claims to come from (unverified), for the refusal log's per-sender limit. */
export function claimedClient(assertion: string | undefined): string | undefined {
  if (assertion === undefined) return undefined;
  try {
    const iss = decodeCompactJws(assertion, MAX_CLIENT_ASSERTION_LENGTH).payload.iss;
    return typeof iss === 'string' ? iss.slice(0, 256) : undefined;
  } catch {
    return undefined;
  }
}

/** The client assertion of an introspection form (RFC 7523 §2.2): undefined when absent or of another type. */
export function formAssertion(form: URLSearchParams): string | undefined {
  if (form.getAll('client_assertion').length !== 1 || form.getAll('client_assertion_type').length !== 1) return undefined;
  return form.get('client_assertion_type') === CLIENT_ASSERTION_TYPE_JWT_BEARER ? (form.get('client_assertion') ?? undefined) : undefined;
}

/** The credentials of `Authorization: Bearer <client assertion>` (RFC 6750 §2.1), or undefined. */
export function bearerAssertion(authorization: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(authorization ?? '');
  return match?.[1];
}

/**
 * The 401 of a failed client authentication (RFC 6749 §5.2 `invalid_client`),
 * with the Legate code and `WWW-Authenticate` (the Bearer scheme the
 * assertion is carried in). Other failures are the caller's to map.
 */
export function invalidClient(node: NodeContext, error: unknown): EndpointResponse {
  const description = isLegateError(error, 'ERR_INVALID_CLIENT') ? error.message : 'client authentication failed';
  return {
    status: 401,
    body: { error: 'invalid_client', error_description: description, code: 'ERR_INVALID_CLIENT' },
    headers: {
      'Cache-Control': 'no-store',
      'WWW-Authenticate': wwwAuthenticate({ scheme: 'Bearer', error: 'invalid_client', description }),
    },
  };
}
