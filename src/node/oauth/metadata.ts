/**
 * @module node/oauth/metadata
 *
 * The node as an OAuth authorization server describes itself (#15 item 1):
 * its issuer URL, its RFC 8414 metadata, and its JWK Set. The issuer is the
 * node's URL, not its DID, because stock OAuth clients compare the metadata's
 * `issuer` with the URL they fetched it from (RFC 8414 §3.3). The JWK Set
 * lists every organization key that is not retired, so a key rotated out
 * stays there (the lifecycle issue keeps such keys while tokens they signed
 * can still be live) and resource servers keep verifying those tokens.
 */

import { authorizationServerMetadata } from '../../oauth/metadata.js';
import { jwksOf } from '../../oauth/jwks.js';
import type { NodeContext } from '../context.js';
import { nodeBaseUrl } from '../documents.js';

/**
 * The issuer URL: `oauth.issuer`, else the node's base URL (https, http only
 * for loopback). A trailing slash is dropped so endpoint URLs join cleanly.
 *
 * @example
 * ```ts
 * issuerOf(node) // 'https://bank.example'
 * ```
 */
export function issuerOf(node: NodeContext): string {
  const issuer = node.oauth.issuer ?? nodeBaseUrl(node.organization.domain);
  return issuer.endsWith('/') ? issuer.slice(0, -1) : issuer;
}

/** The token endpoint's URL: what a DPoP proof's `htu` must name (RFC 9449 §4.3). */
export function tokenEndpointUrl(node: NodeContext): string {
  return `${issuerOf(node)}/oauth/token`;
}

/**
 * RFC 8414 authorization server metadata, with the RFC 9396 and RFC 9449
 * members that say what the node accepts.
 */
export function serverMetadata(node: NodeContext): Record<string, unknown> {
  return authorizationServerMetadata({ issuer: issuerOf(node), requireDpop: node.oauth.requireDpop });
}

/**
 * The organization's signing keys as a JWK Set (OKP/Ed25519, `kid` = the
 * key's DID URL, `alg` EdDSA, `use` sig): every key not retired, oldest first.
 */
export async function publishedJwks(node: NodeContext): Promise<{ keys: Record<string, unknown>[] }> {
  const keys = (await node.keys.list(node.organization.did)).filter((k) => k.status !== 'retired');
  return jwksOf(keys.map((k) => ({ kid: k.kid, publicKey: k.publicKey })));
}
