/**
 * @module mcp/protect
 *
 * An MCP server guarded by Legate authority in a few lines. `protectMcp`
 * builds a resource server (`legate/resource-server`) for the MCP endpoint
 * whose route mapping reads the JSON-RPC body: a `tools/call` needs the
 * capability the author mapped the tool to (refused 403 `insufficient_scope`
 * with the Legate code and the scope that would allow it, the MCP
 * authorization spec's scope challenge), and every other message
 * (`initialize`, `tools/list`, notifications) needs only an access token
 * valid for this server, DPoP proof included (SEP-1932: RFC 9449 as it
 * is). It also serves the RFC 9728 protected-resource metadata naming the
 * Legate authorization servers, and gives tool handlers the SDK's
 * `AuthInfo` (`extra.authInfo`). The SDK itself is never imported: its
 * transports take the `req.auth` and parsed body this sets.
 *
 * Token-only messages: the resource server resolves the route only once the
 * token and the DPoP proof have verified, so a route left unmapped on
 * purpose (a non-tool message, marked in this call's context) means the
 * credentials are good; its "no capability is mapped" answer is then turned
 * into an allow, and any other answer stands.
 */

import { AsyncLocalStorage } from 'node:async_hooks';
import { isLegateError, legateError } from '../errors/index.js';
import { integerOption } from '../lib/assert.js';
import { decodeAccessToken } from '../oauth/access-token.js';
import { formatScope } from '../oauth/scope.js';
import type { AccessTokenClaims } from '../oauth/types.js';
import { protectedResourceMetadataHandler, type ProtectedResourceMetadataHandler } from '../resource-server/metadata.js';
import { refusalBody, type ResourceServer, type ResourceServerOptions, type RouteRequest, type RouteTarget, type VerifyAllowed } from '../resource-server/types.js';
import { createResourceServer } from '../resource-server/verify.js';
import { legateAuthInfo } from './auth-info.js';
import { toolRequirements } from './tools.js';
import type { LegateAuthInfo, ToolAuthority } from './types.js';

/** Largest MCP request body read, by default: tool arguments can be documents. */
export const DEFAULT_MCP_BODY_BYTES = 1024 * 1024;

/** Options of {@link protectMcp}: the resource server's, with the tools in place of routes. */
export interface ProtectMcpOptions extends Omit<ResourceServerOptions, 'routes' | 'body'> {
  /** Each tool's Legate capability. A tool missing here is refused (fail closed). */
  tools: Readonly<Record<string, ToolAuthority>>;
  /** `resource_name` of the protected-resource metadata. */
  resourceName?: string | undefined;
  /** `scopes_supported` of the metadata; default the scopes of the tools whose resource is fixed. */
  scopesSupported?: readonly string[] | undefined;
  /** Largest request body read, in bytes; default {@link DEFAULT_MCP_BODY_BYTES}. */
  maxBodyBytes?: number | undefined;
}

/** An MCP request let through: the SDK's auth info, the parsed JSON-RPC body, and headers to add to the answer. */
export interface McpAllowed {
  ok: true;
  auth: LegateAuthInfo;
  /** The parsed JSON-RPC body (undefined for GET and DELETE): hand it to the SDK transport as `parsedBody`. */
  body: unknown;
  headers: Record<string, string>;
  /** The resource server's decision, for a `tools/call` (the granted capability, who decided). */
  decision?: VerifyAllowed | undefined;
}

/** An MCP request refused, ready to send: RFC 6750 / RFC 9449 status, `WWW-Authenticate`, and the OAuth error body with the Legate code. */
export interface McpRefused {
  ok: false;
  status: number;
  headers: Record<string, string>;
  body: ReturnType<typeof refusalBody>;
}

/** An MCP server's guard. */
export interface ProtectedMcp {
  /** The MCP endpoint's resource URL (RFC 8707): the only token audience accepted. */
  readonly resource: string;
  /** The resource server behind it (close it with {@link ProtectedMcp.close}). */
  readonly resourceServer: ResourceServer;
  /** The RFC 9728 metadata, its URL, and handlers serving it. */
  readonly metadata: ProtectedResourceMetadataHandler;
  /**
   * Verifies one MCP request (a Fetch `Request` whose URL is as the client
   * addressed it): the face for Web-standard servers (Hono, workers). Never
   * throws for what the request carries. The body is read from a copy.
   *
   * @example
   * ```ts
   * const result = await guard.authorize(request);
   * if (!result.ok) return Response.json(result.body, { status: result.status, headers: result.headers });
   * return transport.handleRequest(request, { authInfo: result.auth, parsedBody: result.body }); // WebStandardStreamableHTTPServerTransport
   * ```
   */
  authorize(request: Request): Promise<McpAllowed | McpRefused>;
  /** Closes the resource server's connections (JWKS, PDP). */
  close(): Promise<void>;
}

/** What one verification learns inside the route mapping. */
interface CallState {
  /** The request had no tools/call, and the mapping was reached: the credentials verified. */
  tokenOnly: boolean;
  body: unknown;
}

/**
 * Guards an MCP server with Legate authority.
 *
 * @example
 * ```ts
 * const guard = protectMcp({
 *   resource: 'https://mcp.bank.example/mcp',
 *   issuers: ['https://bank.example'],
 *   tools: {
 *     lookup_invoice: { action: 'read', resource: (args) => `billing:invoices:${String(args.id)}` },
 *     refund: { action: 'refund', resource: 'billing:refunds', amount: (args) => ({ value: Number(args.amount), currency: 'EUR' }) },
 *   },
 * });
 * createServer(mcpHandler(guard, (req, res, body) => transport.handleRequest(req, res, body)));
 * ```
 */
export function protectMcp(options: ProtectMcpOptions): ProtectedMcp {
  const { tools, resourceName, scopesSupported, maxBodyBytes, ...rsOptions } = options;
  if (tools === null || typeof tools !== 'object') throw new TypeError('tools must map tool names to { action, resource }');
  for (const [name, tool] of Object.entries(tools)) {
    if (tool === null || typeof tool !== 'object' || typeof tool.action !== 'string' || (typeof tool.resource !== 'string' && typeof tool.resource !== 'function')) {
      throw new TypeError(`tools.${name} must be { action, resource, scope?, amount? }`);
    }
  }
  const calls = new AsyncLocalStorage<CallState>();

  const routes = (request: RouteRequest): RouteTarget | undefined => {
    const state = calls.getStore();
    if (state === undefined) throw legateError('ERR_INTERNAL', 'the MCP route mapping ran outside protectMcp');
    state.body = request.body;
    if (request.method !== 'POST') {
      // GET (the SSE stream) and DELETE (session end) carry no call: a valid token is enough.
      state.tokenOnly = true;
      return undefined;
    }
    let requirements;
    try {
      requirements = toolRequirements(request.body, tools);
    } catch (error) {
      // A bad computed resource comes from the caller's arguments: the request is malformed, not the server broken.
      if (isLegateError(error, 'ERR_INVALID_ARGUMENT')) throw legateError('ERR_MALFORMED', error.message, { claim: 'params.arguments', cause: error });
      throw error;
    }
    if (requirements.length === 0) {
      state.tokenOnly = true;
      return undefined;
    }
    // One decision per HTTP request: a batch of several calls is split by the client, as protocol 2025-06-18 and later have it anyway.
    if (requirements.length > 1) throw legateError('ERR_MALFORMED', 'one tools/call per request', { claim: 'body' });
    const { tool: _name, ...target } = requirements[0]!;
    return target;
  };

  const resourceServer = createResourceServer({
    ...rsOptions,
    routes,
    body: { maxBytes: integerOption(maxBodyBytes, DEFAULT_MCP_BODY_BYTES, 'maxBodyBytes') },
  });
  const metadata = protectedResourceMetadataHandler({
    resource: options.resource,
    authorizationServers: options.issuers,
    scopesSupported: scopesSupported ?? fixedScopes(tools),
    requireDpop: options.dpop?.required !== false,
    resourceName,
  });

  async function authorize(request: Request): Promise<McpAllowed | McpRefused> {
    const state: CallState = { tokenOnly: false, body: undefined };
    const result = await calls.run(state, () => resourceServer.verify(request));
    if (result.ok) {
      return { ok: true, auth: legateAuthInfo(tokenOf(request), result.claims), body: state.body, headers: result.headers, decision: result };
    }
    if (state.tokenOnly && result.code === 'ERR_NOT_AUTHORIZED' && result.status === 403) {
      // Verified by the resource server in this very call (see the module comment): reading the claims is safe.
      const token = tokenOf(request);
      return { ok: true, auth: legateAuthInfo(token, decodeAccessToken(token).claims as unknown as AccessTokenClaims), body: state.body, headers: {} };
    }
    return { ok: false, status: result.status, headers: { ...result.headers, 'Cache-Control': 'no-store' }, body: refusalBody(result) };
  }

  return { resource: options.resource, resourceServer, metadata, authorize, close: () => resourceServer.close() };
}

/** The access token of a request the resource server accepted: the second word of `Authorization`. */
function tokenOf(request: Request): string {
  return (request.headers.get('authorization') ?? '').trim().split(/ +/)[1] ?? '';
}

/** The scope strings of the tools whose capability is fixed (a computed resource has no one scope to advertise). */
function fixedScopes(tools: Readonly<Record<string, ToolAuthority>>): string[] {
  const scopes = new Set<string>();
  for (const tool of Object.values(tools)) {
    if (typeof tool.resource === 'string') scopes.add(formatScope({ action: tool.action, resource: tool.resource, ...(tool.scope === undefined ? {} : { scope: tool.scope }) }));
  }
  return [...scopes];
}
