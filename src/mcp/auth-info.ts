/**
 * @module mcp/auth-info
 *
 * The MCP SDK's `AuthInfo` for a verified Legate access token. The SDK's
 * Streamable HTTP server transport reads it from `req.auth` and hands it to
 * every tool handler as `extra.authInfo`; the Legate specifics (the claims
 * with their `authorization_details`, and who acted for whom) ride in
 * `extra.legate`, where the SDK's type leaves room for them.
 */

import { attributionOf } from '../oauth/act.js';
import type { AccessTokenClaims } from '../oauth/types.js';
import type { LegateAuthInfo } from './types.js';

/**
 * `AuthInfo` of a token whose claims were verified.
 *
 * @example
 * ```ts
 * const info = legateAuthInfo(token, claims);
 * info.clientId; // the agent's DID
 * info.extra.legate.attribution; // [agent DID, …, 'mailto:carol@acme.example']
 * ```
 */
export function legateAuthInfo(token: string, claims: AccessTokenClaims): LegateAuthInfo {
  return {
    token,
    clientId: claims.client_id,
    scopes: claims.scope.split(' ').filter((s) => s.length > 0),
    expiresAt: claims.exp,
    resource: new URL(claims.aud),
    extra: { legate: { claims, attribution: attributionOf(claims) } },
  };
}
