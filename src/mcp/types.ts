/**
 * @module mcp/types
 *
 * The shapes of the MCP helper (#15 item 7): how an MCP server author maps
 * each tool to the Legate capability it needs, and the auth information the
 * helper hands to tool handlers. {@link LegateAuthInfo} is structurally the
 * MCP SDK's `AuthInfo` (`@modelcontextprotocol/sdk/server/auth/types.js`),
 * declared here so that this package neither loads nor needs the SDK:
 * authors bring their own, and the SDK passes `req.auth` to tool handlers
 * as `extra.authInfo`.
 */

import type { Money } from '../credential/types.js';
import type { AccessTokenClaims } from '../oauth/types.js';

/** The arguments of a `tools/call`, as the client sent them (`params.arguments`, `{}` when absent). */
export type ToolArguments = Record<string, unknown>;

/**
 * The Legate capability one tool needs: the action, the resource (fixed, or
 * computed from the call's arguments, such as `billing:invoices:${args.id}`),
 * an optional scope tag, and the amount a call spends, checked against the
 * token's `maxAmount` and budget constraints.
 */
export interface ToolAuthority {
  action: string;
  resource: string | ((args: ToolArguments) => string);
  scope?: string;
  amount?: (args: ToolArguments) => Money | undefined;
}

/**
 * How an MCP method other than `tools/call` is let through when the author
 * opens it (`protectMcp`'s `methods`): `'token'` (any valid token for this
 * server), or the capability it needs, as for a tool, with the request's
 * `params` in place of a call's arguments (`resources/read`:
 * `{ action: 'read', resource: (params) => docsResourceOf(params.uri) }`).
 */
export type MethodAuthority = 'token' | ToolAuthority;

/** What one concrete call asks of the token: the capability with the resource and amount resolved. */
export interface ToolRequirement {
  /** The JSON-RPC method: `tools/call`, or a method the author mapped to a capability. */
  method: string;
  /** The tool's name (a `tools/call`), for messages and audit. */
  tool?: string;
  action: string;
  resource: string;
  scope?: string;
  amount?: Money;
}

/**
 * The extra data the helper attaches to {@link LegateAuthInfo}: the verified
 * claims and who acted for whom. A type alias, not an interface, so that it
 * is assignable to the SDK's `extra: Record<string, unknown>`.
 */
export type LegateAuthExtra = {
  legate: {
    /** The verified access token's claims (RFC 9068, with the Legate `authorization_details`). */
    claims: AccessTokenClaims;
    /** Who acted, for whom: the current actor, earlier actors, then the human owner (`oauth/act` `attributionOf`). */
    attribution: string[];
  };
};

/**
 * The MCP SDK's `AuthInfo` for a verified Legate access token; tool
 * handlers read it as `extra.authInfo`.
 */
export interface LegateAuthInfo {
  /** The access token, as presented. */
  token: string;
  /** The agent holding the token (its DID, the token's `client_id`). */
  clientId: string;
  /** The granted capabilities as Legate scope strings (`action:resource[#scope]`). */
  scopes: string[];
  /** The token's `exp`, in seconds since the epoch. */
  expiresAt: number;
  /** The resource (RFC 8707) the token is for: this MCP server. */
  resource: URL;
  extra: LegateAuthExtra;
}
