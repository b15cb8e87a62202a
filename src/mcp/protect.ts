/**
 * @module mcp/protect
 *
 * An MCP server guarded by Legate authority in a few lines. `protectMcp`
 * builds a resource server (`legate/resource-server`) for the MCP endpoint
 * whose route mapping reads the JSON-RPC body (mcp/tools), failing closed:
 *
 * - a `tools/call` needs the capability the author mapped the tool to
 *   (refused 403 `insufficient_scope` with the Legate code and the scope
 *   that would allow it, the MCP authorization spec's scope challenge);
 * - `initialize`, `ping`, `tools/list`, notifications (`notifications/*`,
 *   no id), responses from the client, and the GET (SSE stream) and DELETE
 *   (session end) requests need only an access token valid for this server,
 *   DPoP proof included (SEP-1932: RFC 9449 as it is): the resource
 *   server's `AUTHENTICATED` route answer;
 * - any other method (`resources/read`, `prompts/get`,
 *   `completion/complete`, …) is refused 403 `ERR_NOT_AUTHORIZED`, as an
 *   unmapped tool is, unless the author opens it with `methods` (`'token'`,
 *   or a capability computed from its `params`);
 * - a batch is allowed only if every message is, with at most one message
 *   needing a capability (one decision per HTTP request).
 *
 * It also serves the RFC 9728 protected-resource metadata naming the
 * Legate authorization servers, and gives tool handlers the SDK's
 * `AuthInfo` (`extra.authInfo`). The SDK itself is never imported: its
 * transports take the `req.auth` and parsed body this sets.
 */

import { isLegateError, legateError } from '../errors/index.js';
import { integerOption } from '../lib/assert.js';
import { formatScope } from '../oauth/scope.js';
import { protectedResourceMetadataHandler, type ProtectedResourceMetadataHandler } from '../resource-server/metadata.js';
import { AUTHENTICATED, refusalBody, type ResourceServer, type ResourceServerOptions, type RouteAnswer, type RouteRequest, type VerifyAllowed } from '../resource-server/types.js';
import { createResourceServer } from '../resource-server/verify.js';
import { legateAuthInfo } from './auth-info.js';
import { toolRequirements } from './tools.js';
import type { LegateAuthInfo, MethodAuthority, ToolAuthority } from './types.js';

/** Largest MCP request body read, by default: tool arguments can be documents. */
export const DEFAULT_MCP_BODY_BYTES = 1024 * 1024;

/** Options of {@link protectMcp}: the resource server's, with the tools in place of routes. */
export interface ProtectMcpOptions extends Omit<ResourceServerOptions, 'routes' | 'body'> {
  /** Each tool's Legate capability. A tool missing here is refused (fail closed). */
  tools: Readonly<Record<string, ToolAuthority>>;
  /**
   * Other JSON-RPC methods opened, each `'token'` (a valid token is enough)
   * or the capability it needs, computed from its `params` as a tool's is
   * from its arguments; it may also close a token-only method
   * (`tools/list`) behind a capability. `tools/call` is governed by `tools`.
   * A method neither here nor token-only is refused (fail closed).
   */
  methods?: Readonly<Record<string, MethodAuthority>> | undefined;
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
  /** The resource server's decision: the granted capability and who decided, or `decidedBy: 'token'` for a message a valid token is enough for. */
  decision: VerifyAllowed;
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
  const { tools, methods = {}, resourceName, scopesSupported, maxBodyBytes, ...rsOptions } = options;
  if (tools === null || typeof tools !== 'object') throw new TypeError('tools must map tool names to { action, resource }');
  for (const [name, tool] of Object.entries(tools)) assertAuthority(tool, `tools.${name}`);
  if (methods === null || typeof methods !== 'object') throw new TypeError("methods must map JSON-RPC methods to 'token' or { action, resource }");
  for (const [name, method] of Object.entries(methods)) {
    if (name === 'tools/call') throw new TypeError('methods["tools/call"]: map each tool in tools');
    if (method !== 'token') assertAuthority(method, `methods["${name}"]`);
  }

  const routes = (request: RouteRequest): RouteAnswer => {
    // GET (the SSE stream) and DELETE (session end) carry no message: a valid token is enough.
    if (request.method === 'GET' || request.method === 'DELETE') return AUTHENTICATED;
    if (request.method !== 'POST') throw legateError('ERR_NOT_AUTHORIZED', 'the MCP endpoint takes POST, GET and DELETE', { claim: 'method' });
    let requirements;
    try {
      requirements = toolRequirements(request.body, tools, methods);
    } catch (error) {
      // A bad computed resource comes from the caller's arguments: the request is malformed, not the server broken.
      if (isLegateError(error, 'ERR_INVALID_ARGUMENT')) throw legateError('ERR_MALFORMED', error.message, { claim: 'params.arguments', cause: error });
      throw error;
    }
    if (requirements.length === 0) return AUTHENTICATED;
    // One decision per HTTP request: a batch of several calls is split by the client, as protocol 2025-06-18 and later have it anyway.
    if (requirements.length > 1) throw legateError('ERR_MALFORMED', 'one tools/call per request', { claim: 'body' });
    const { tool: _tool, method: _method, ...target } = requirements[0]!;
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
    scopesSupported: scopesSupported ?? fixedScopes([...Object.values(tools), ...Object.values(methods)]),
    requireDpop: options.dpop?.required !== false,
    resourceName,
  });

  async function authorize(request: Request): Promise<McpAllowed | McpRefused> {
    const result = await resourceServer.verify(request);
    if (!result.ok) return { ok: false, status: result.status, headers: { ...result.headers, 'Cache-Control': 'no-store' }, body: refusalBody(result) };
    return { ok: true, auth: legateAuthInfo(tokenOf(request), result.claims), body: result.body, headers: result.headers, decision: result };
  }

  return { resource: options.resource, resourceServer, metadata, authorize, close: () => resourceServer.close() };
}

function assertAuthority(authority: ToolAuthority, name: string): void {
  if (authority === null || typeof authority !== 'object' || typeof authority.action !== 'string' || (typeof authority.resource !== 'string' && typeof authority.resource !== 'function')) {
    throw new TypeError(`${name} must be { action, resource, scope?, amount? }`);
  }
}

/** The access token of a request the resource server accepted: the second word of `Authorization`. */
function tokenOf(request: Request): string {
  return (request.headers.get('authorization') ?? '').trim().split(/ +/)[1] ?? '';
}

/** The scope strings of the tools and methods whose capability is fixed (a computed resource has no one scope to advertise). */
function fixedScopes(authorities: readonly MethodAuthority[]): string[] {
  const scopes = new Set<string>();
  for (const tool of authorities) {
    if (tool !== 'token' && typeof tool.resource === 'string') scopes.add(formatScope({ action: tool.action, resource: tool.resource, ...(tool.scope === undefined ? {} : { scope: tool.scope }) }));
  }
  return [...scopes];
}
