/**
 * @module node/oauth/nonce-key
 *
 * The authorization server's nonces (RFC 9449 §8 `DPoP-Nonce`, and the
 * challenge a token request's presentation answers) are stateless: an
 * expiry, randomness and an HMAC. The HMAC key is derived from the
 * organization's newest key, as SHA-256 of its Ed25519 signature over a
 * fixed label: Ed25519 signatures are deterministic (RFC 8032 §5.1.6), so
 * every instance sharing the organization key issues and accepts the same
 * nonces without sharing state, and the nonces rotate with the key. The
 * label names its purpose, so the signature is never valid for anything
 * else the organization signs (every other signed thing is a JWS or a Data
 * Integrity proof, never this bare ASCII string).
 */

import { createNonceIssuer, nonceKeyOf, type NonceIssuer } from '../../oauth/nonce.js';
import type { NodeContext } from '../context.js';
import type { Signer } from '../../keys/signer.js';

/** One issuer per node (its services are per instance) and organization key; rebuilt when the key rotates. */
const issuers = new WeakMap<object, { kid: string; lifetime: number; issuer: NonceIssuer }>();

/**
 * The node's nonce issuer (`oauth.nonceLifetime`, the node's clock), for the
 * organization's newest key `signer` (the caller's `organizationSigner(node)`,
 * read once per request: the nonces rotate as soon as the key does). The key
 * is derived again only when the key changed.
 *
 * @example
 * ```ts
 * const nonces = await nonceIssuerOf(node, await organizationSigner(node));
 * headers['DPoP-Nonce'] = nonces.issue();
 * ```
 */
export async function nonceIssuerOf(node: NodeContext, signer: Signer): Promise<NonceIssuer> {
  const lifetime = node.oauth.nonceLifetimeSeconds;
  const cached = issuers.get(node.services);
  if (cached?.kid === signer.kid && cached.lifetime === lifetime) return cached.issuer;
  const issuer = createNonceIssuer({ key: await nonceKeyOf(signer), lifetimeSeconds: lifetime, clock: node.clock });
  issuers.set(node.services, { kid: signer.kid, lifetime, issuer });
  return issuer;
}
