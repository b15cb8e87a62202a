/**
 * @module resource-server/node-http
 *
 * The verifier for Node's `http` server and Express: `(req, res, next?)`.
 * It builds a Fetch `Request` from the `IncomingMessage`: the method, the
 * full URL (the configured public origin, else the `Host` header and the
 * socket's scheme, then Express's `originalUrl` or `req.url`), the headers,
 * and the body only when the route mapping reads bodies, within the
 * resource server's byte bound. A body already parsed by Express is used as
 * it is; a body read here is handed on as `req.body` (with `req._body` set,
 * as body-parser marks a consumed stream, so a later parser skips it). A
 * refused request is answered here; an allowed one gets `req.legate` (and
 * `res.locals.legate` under Express) and goes on to `next`.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { legateError } from '../errors/index.js';
import { refusalBody, type ResourceServer, type VerifyAllowed, type VerifyRefused } from './types.js';
import { parseBodyText } from './routes.js';

/** What the adapter reads of a request: Node's, plus what Express adds. */
type NodeRequest = IncomingMessage & { originalUrl?: string; body?: unknown; _body?: boolean; legate?: VerifyAllowed };
type NodeResponse = ServerResponse & { locals?: Record<string, unknown> };

/** Options of {@link nodeAuth}. */
export interface NodeAuthOptions {
  /** The origin clients reach this service at (`https://api.example`); default the resource server's, else the `Host` header. */
  publicOrigin?: string | undefined;
}

/** A Node `http` / Express handler: resolves the allowed result, or undefined once it has sent a refusal. */
export type NodeAuthHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => Promise<VerifyAllowed | undefined>;

/**
 * Node `http` / Express middleware that lets through only requests the resource server allows.
 *
 * @example
 * ```ts
 * const auth = nodeAuth(rs, { publicOrigin: 'https://api.bank.example' });
 * createServer(async (req, res) => {
 *   const allowed = await auth(req, res);
 *   if (allowed === undefined) return; // refused, answered
 *   res.end(`hello ${allowed.claims.client_id}`);
 * });
 * // Express: app.use('/refunds', nodeAuth(rs));
 * ```
 */
export function nodeAuth(rs: ResourceServer, options: NodeAuthOptions = {}): NodeAuthHandler {
  const configuredOrigin = options.publicOrigin === undefined ? rs.publicOrigin : new URL(options.publicOrigin).origin;
  return async (rawReq, rawRes, next) => {
    const req = rawReq as NodeRequest;
    const res = rawRes as NodeResponse;
    let request: Request;
    let parsed: { body: unknown } | undefined;
    try {
      ({ request, parsed } = await fetchRequestOf(req, configuredOrigin, rs));
    } catch (error) {
      const code = error instanceof Error && 'code' in error && error.code === 'ERR_INPUT_TOO_LARGE' ? 'ERR_INPUT_TOO_LARGE' : 'ERR_MALFORMED';
      const message = error instanceof Error ? error.message : 'the request cannot be read';
      send(res, { ok: false, status: code === 'ERR_INPUT_TOO_LARGE' ? 413 : 400, error: 'invalid_request', code, description: message, headers: {} });
      return undefined;
    }
    const result = await rs.verify(request);
    if (!result.ok) {
      send(res, result);
      return undefined;
    }
    if (parsed !== undefined) {
      req.body = parsed.body;
      req._body = true;
    }
    req.legate = result;
    if (res.locals !== undefined) res.locals.legate = result;
    for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
    next?.();
    return result;
  };
}

function send(res: ServerResponse, refusal: VerifyRefused): void {
  const body = JSON.stringify(refusalBody(refusal));
  res.statusCode = refusal.status;
  for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value);
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}

async function fetchRequestOf(req: NodeRequest, configuredOrigin: string | undefined, rs: ResourceServer): Promise<{ request: Request; parsed?: { body: unknown } | undefined }> {
  const host = req.headers.host;
  if (configuredOrigin === undefined && (host === undefined || host.length === 0)) {
    throw legateError('ERR_MALFORMED', 'the request has no Host header', { claim: 'host' });
  }
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const origin = configuredOrigin ?? `${encrypted ? 'https' : 'http'}://${host!}`;
  const path = req.originalUrl ?? req.url ?? '/';
  if (!path.startsWith('/')) throw legateError('ERR_MALFORMED', 'the request target is not a path', { claim: 'url' });
  const url = new URL(path, origin);
  if (url.origin !== new URL(origin).origin) throw legateError('ERR_MALFORMED', 'the request target names another origin', { claim: 'url' });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(':') || value === undefined) continue; // HTTP/2 pseudo-headers are not headers
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  if (!rs.readsBody || method === 'GET' || method === 'HEAD') return { request: new Request(url, { method, headers }) };
  if (req.body !== undefined) {
    // Express parsed it already: hand the mapping the same object, as JSON.
    headers.set('content-type', 'application/json');
    headers.delete('content-length');
    return { request: new Request(url, { method, headers, body: JSON.stringify(req.body) }) };
  }
  const bytes = await readStream(req, rs.maxBodyBytes);
  let parsed: { body: unknown } | undefined;
  try {
    parsed = { body: parseBodyText(headers.get('content-type'), new TextDecoder().decode(bytes)) };
  } catch {
    parsed = undefined; // verify refuses it with its own answer
  }
  headers.delete('content-length');
  return { request: new Request(url, { method, headers, body: bytes }), parsed };
}

async function readStream(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const tooLarge = () => legateError('ERR_INPUT_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`, { claim: 'body' });
  if (declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buffer.byteLength;
    if (total > maxBytes) {
      req.destroy();
      throw tooLarge();
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}
