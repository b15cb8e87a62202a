/**
 * @module server/admin-auth
 *
 * Admin routes require the bearer token created at `legate init`. The store
 * keeps only its SHA-256; the presented token is hashed and the two digests
 * compared in constant time, so neither the token nor its length leaks
 * through timing.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { legateError } from '../errors/index.js';
import { ADMIN_TOKEN_SETTING } from '../node/context.js';
import type { Store } from '../store/types.js';

export function adminAuth(store: Store): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/.exec(header);
    const stored = await store.getSetting(ADMIN_TOKEN_SETTING);
    const presented = createHash('sha256').update(match?.[1] ?? '', 'utf8').digest();
    const expected = stored === undefined ? undefined : Buffer.from(stored, 'hex');
    if (match === null || expected === undefined || expected.length !== presented.length || !timingSafeEqual(presented, expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="legate-admin"');
      throw legateError('ERR_UNAUTHORIZED', 'a valid admin bearer token is required');
    }
    await next();
  };
}
