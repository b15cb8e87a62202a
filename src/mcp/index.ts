/**
 * @module mcp
 *
 * `legate/mcp`: Legate authority for MCP servers and clients, with the
 * official MCP SDK (Streamable HTTP) or any other. Server side,
 * `protectMcp` maps each tool to the Legate capability it needs, verifies
 * the DPoP-bound access token a Legate node issued (`legate/resource-server`),
 * refuses a call beyond the token's authority with the MCP scope challenge
 * (403 `insufficient_scope`), lets only `initialize`, `ping`, `tools/list`,
 * notifications and responses through on a valid token alone and refuses
 * any other method unless the author opens it (`methods`, fail closed),
 * serves the RFC 9728 metadata, and hands tool
 * handlers the SDK's `AuthInfo`; `mcpHandler` / `mcpMiddleware` put it in
 * front of a Node `http` server or Express. Client side, `dpopFetch` gives
 * the SDK's client transport DPoP (SEP-1932). The SDK is never imported:
 * bring your own.
 *
 * @example
 * ```ts
 * import { protectMcp, mcpHandler } from 'legate/mcp';
 * const guard = protectMcp({ resource: 'https://mcp.bank.example/mcp', issuers: ['https://bank.example'],
 *   tools: { refund: { action: 'refund', resource: 'billing:refunds', amount: (a) => ({ value: Number(a.amount), currency: 'EUR' }) } } });
 * createServer(mcpHandler(guard, (req, res, body) => transport.handleRequest(req, res, body)));
 * ```
 */

export { protectMcp, DEFAULT_MCP_BODY_BYTES, type ProtectMcpOptions, type ProtectedMcp, type McpAllowed, type McpRefused } from './protect.js';
export { mcpHandler, mcpMiddleware, type McpHandlerOptions, type McpNext, type McpRequest } from './node-http.js';
export { dpopFetch, type DpopFetchOptions, type McpFetch } from './dpop-fetch.js';
export { legateAuthInfo } from './auth-info.js';
export { toolRequirements, MAX_BATCH, TOKEN_ONLY_METHODS } from './tools.js';
export type { LegateAuthExtra, LegateAuthInfo, MethodAuthority, ToolArguments, ToolAuthority, ToolRequirement } from './types.js';
