/**
 * @module resource-server/hono
 *
 * The verifier as Hono middleware: a refused request gets its refusal
 * (status, `WWW-Authenticate`, an RFC 6749 §5.2 JSON body with the Legate
 * code) and goes no further; an allowed one continues with the result in
 * `c.get('legate')`. Hono is only a type here: the middleware reads the
 * Fetch `Request` Hono already holds, so this module loads no Hono code.
 */

import type { MiddlewareHandler } from 'hono';
import { refusalBody, type ResourceServer, type VerifyAllowed, type VerifyRefused } from './types.js';

/** The Hono environment the middleware sets: `c.get('legate')` is the allowed result. */
export interface LegateEnv {
  Variables: { legate: VerifyAllowed };
}

/** A refusal as a Fetch `Response`: the JSON body, its headers, `Cache-Control: no-store`. */
export function refusalResponse(refusal: VerifyRefused): Response {
  return new Response(JSON.stringify(refusalBody(refusal)), {
    status: refusal.status,
    headers: { ...refusal.headers, 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

/**
 * Hono middleware that lets through only requests the resource server allows.
 *
 * @example
 * ```ts
 * const app = new Hono<LegateEnv>();
 * app.use('/refunds/*', legateAuth(rs));
 * app.post('/refunds', (c) => c.json({ ok: true, by: c.get('legate').attribution }));
 * ```
 */
export function legateAuth(rs: ResourceServer): MiddlewareHandler<LegateEnv> {
  return async (c, next) => {
    const result = await rs.verify(c.req.raw);
    if (!result.ok) return refusalResponse(result);
    c.set('legate', result);
    for (const [name, value] of Object.entries(result.headers)) c.header(name, value);
    await next();
    return undefined;
  };
}
