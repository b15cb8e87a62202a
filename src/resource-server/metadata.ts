/**
 * @module resource-server/metadata
 *
 * Serves this service's RFC 9728 protected-resource metadata, naming the
 * Legate authorization server(s) that issue its tokens, at the well-known
 * path RFC 9728 §3.1 derives from the resource URL (the path every refusal's
 * `resource_metadata` names, and where MCP clients look). One helper, three
 * faces: a Fetch handler, Hono middleware and a Node `http` / Express
 * handler, each answering only `GET`/`HEAD` of that path.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { protectedResourceMetadata, protectedResourceMetadataUrl } from '../oauth/metadata.js';

/** Options of {@link protectedResourceMetadataHandler}. */
export interface ProtectedResourceMetadataOptions {
  /** The resource URL (RFC 8707), as the resource server verifies it. */
  resource: string;
  /** The issuer URLs of the authorization servers (Legate nodes). */
  authorizationServers: readonly string[];
  /** The scope strings a client may ask for (`call:billing:refund`…). */
  scopesSupported?: readonly string[] | undefined;
  /** Whether only DPoP-bound tokens are accepted. Default true. */
  requireDpop?: boolean | undefined;
  resourceName?: string | undefined;
}

/** The metadata, its path, and handlers that serve it. */
export interface ProtectedResourceMetadataHandler {
  /** The well-known path (`/.well-known/oauth-protected-resource[/<resource path>]`). */
  readonly path: string;
  /** The full metadata URL. */
  readonly url: string;
  readonly metadata: Record<string, unknown>;
  /** The metadata response for a Fetch `Request` of the path, else undefined. */
  fetch(request: Request): Response | undefined;
  /** Hono middleware: answers the path, passes anything else on. Mount with `app.use(prm.hono)`. */
  readonly hono: MiddlewareHandler;
  /** Node `http` / Express: answers the path and resolves true, else calls `next` (if any) and resolves false. */
  node(req: IncomingMessage, res: ServerResponse, next?: () => void): boolean;
}

/**
 * Serves RFC 9728 protected-resource metadata.
 *
 * @example
 * ```ts
 * const prm = protectedResourceMetadataHandler({ resource: 'https://api.bank.example/mcp', authorizationServers: ['https://bank.example'] });
 * app.use(prm.hono); // GET /.well-known/oauth-protected-resource/mcp
 * ```
 */
export function protectedResourceMetadataHandler(options: ProtectedResourceMetadataOptions): ProtectedResourceMetadataHandler {
  const url = protectedResourceMetadataUrl(options.resource);
  const path = new URL(url).pathname;
  const metadata = protectedResourceMetadata({
    resource: options.resource,
    authorizationServers: [...options.authorizationServers],
    ...(options.scopesSupported === undefined ? {} : { scopesSupported: [...options.scopesSupported] }),
    requireDpop: options.requireDpop !== false,
    ...(options.resourceName === undefined ? {} : { resourceName: options.resourceName }),
  });
  const text = JSON.stringify(metadata);
  const headers = { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' };
  const matches = (method: string | undefined, target: string | undefined) =>
    (method === 'GET' || method === 'HEAD') && target !== undefined && target.split('?')[0] === path;

  const fetch = (request: Request): Response | undefined =>
    matches(request.method, new URL(request.url).pathname) ? new Response(request.method === 'HEAD' ? null : text, { status: 200, headers }) : undefined;

  return {
    path,
    url,
    metadata,
    fetch,
    hono: async (c, next) => {
      const response = fetch(c.req.raw);
      if (response !== undefined) return response;
      await next();
      return undefined;
    },
    node(req, res, next) {
      const target = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url;
      if (!matches(req.method, target)) {
        next?.();
        return false;
      }
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : text);
      return true;
    },
  };
}
