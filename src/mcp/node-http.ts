/**
 * @module mcp/node-http
 *
 * The MCP guard on Node's `http` server and Express, the way the MCP SDK's
 * `StreamableHTTPServerTransport.handleRequest(req, res, parsedBody)` is
 * served. Each request becomes a Fetch `Request` addressed at the MCP
 * server's public origin (the resource URL's, or the configured
 * `publicOrigin`: never the `Host` header, so the DPoP `htu` is checked
 * against the URL clients were told to use), with the body read once
 * within the byte bound. The RFC 9728 metadata is answered here; a refused
 * request is answered here; an allowed one goes on with `req.auth` (the
 * SDK's `AuthInfo`) and the parsed body (also as `req.body`, marked read,
 * so a later body parser skips it).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { legateError } from '../errors/index.js';
import type { McpAllowed, ProtectedMcp } from './protect.js';
import type { LegateAuthInfo } from './types.js';

/** A Node request as it leaves the guard: with the SDK's `auth` and the parsed body. */
export type McpRequest = IncomingMessage & { auth: LegateAuthInfo; body?: unknown; originalUrl?: string; _body?: boolean };

/** What runs after the guard: typically `transport.handleRequest(req, res, body)`. */
export type McpNext = (req: McpRequest, res: ServerResponse, body: unknown) => unknown;

type NodeRequest = IncomingMessage & { auth?: LegateAuthInfo; body?: unknown; originalUrl?: string; _body?: boolean };

/** Options of {@link mcpHandler}. */
export interface McpHandlerOptions {
  /** Told of a failure of `next` (the request is then answered 500 if nothing was sent yet); default `console.error`. */
  onError?: ((error: unknown) => void) | undefined;
}

/**
 * A Node `http` request listener: metadata, then the guard, then `next`.
 *
 * @example
 * ```ts
 * createServer(mcpHandler(guard, async (req, res, body) => {
 *   const server = buildMcpServer();
 *   const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
 *   await server.connect(transport);
 *   await transport.handleRequest(req, res, body);
 * }));
 * ```
 */
export function mcpHandler(guard: ProtectedMcp, next: McpNext, options: McpHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const onError = options.onError ?? ((error: unknown) => console.error('legate/mcp: the MCP request handler failed', error));
  return (req, res) => {
    const run = async (): Promise<void> => {
      const allowed = await guardNode(guard, req, res);
      if (allowed !== undefined) await next(req as McpRequest, res, allowed.body);
    };
    run().catch((error: unknown) => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy();
      onError(error);
    });
  };
}

/**
 * Express (or Connect) middleware: metadata, then the guard; an allowed
 * request continues with `req.auth` and `req.body` set.
 *
 * @example
 * ```ts
 * app.use(mcpMiddleware(guard));
 * app.post('/mcp', (req, res) => transport.handleRequest(req, res, req.body));
 * ```
 */
export function mcpMiddleware(guard: ProtectedMcp): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  return (req, res, next) => {
    guardNode(guard, req, res).then(
      (allowed) => {
        if (allowed !== undefined) next();
      },
      (error: unknown) => next(error),
    );
  };
}

/** Answers metadata and refusals; resolves the allowed result (with `req.auth` and `req.body` set), else undefined. */
async function guardNode(guard: ProtectedMcp, rawReq: IncomingMessage, res: ServerResponse): Promise<McpAllowed | undefined> {
  const req = rawReq as NodeRequest;
  if (guard.metadata.node(req, res)) return undefined;
  let request: Request;
  try {
    request = await fetchRequestOf(req, guard);
  } catch (error) {
    const tooLarge = error instanceof Error && 'code' in error && error.code === 'ERR_INPUT_TOO_LARGE';
    const description = error instanceof Error ? error.message : 'the request cannot be read';
    sendJson(res, tooLarge ? 413 : 400, {}, { error: 'invalid_request', error_description: description, code: tooLarge ? 'ERR_INPUT_TOO_LARGE' : 'ERR_MALFORMED' });
    return undefined;
  }
  const result = await guard.authorize(request);
  if (!result.ok) {
    sendJson(res, result.status, result.headers, result.body);
    return undefined;
  }
  req.auth = result.auth;
  if (result.body !== undefined) {
    req.body = result.body;
    req._body = true;
  }
  for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
  return result;
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(body));
}

async function fetchRequestOf(req: NodeRequest, guard: ProtectedMcp): Promise<Request> {
  const origin = guard.resourceServer.publicOrigin ?? new URL(guard.resource).origin;
  const path = req.originalUrl ?? req.url ?? '/';
  if (!path.startsWith('/')) throw legateError('ERR_MALFORMED', 'the request target is not a path', { claim: 'url' });
  const url = new URL(path, origin);
  if (url.origin !== origin) throw legateError('ERR_MALFORMED', 'the request target names another origin', { claim: 'url' });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(':') || value === undefined) continue; // HTTP/2 pseudo-headers are not headers
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  headers.delete('content-length');
  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'GET' || method === 'HEAD') return new Request(url, { method, headers });
  if (req.body !== undefined) {
    // Express parsed it already: hand it on as the JSON it was.
    headers.set('content-type', 'application/json');
    return new Request(url, { method, headers, body: JSON.stringify(req.body) });
  }
  return new Request(url, { method, headers, body: await readStream(req, guard.resourceServer.maxBodyBytes) });
}

async function readStream(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => legateError('ERR_INPUT_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`, { claim: 'body' });
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.byteLength;
    if (total > maxBytes) throw tooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}
