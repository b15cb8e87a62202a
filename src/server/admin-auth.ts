/**
 * @module server/admin-auth
 *
 * Admin routes require the bearer token created at `legate init`, checked by
 * hono's `bearerAuth`. The store keeps only the token's SHA-256, so the
 * presented token is hashed and the two digests compared in constant time
 * (`verifyToken`): neither the token nor its length leaks through timing.
 * Every refusal (no header, a malformed one, a wrong token) is the same
 * `ERR_UNAUTHORIZED` problem with a `WWW-Authenticate` challenge.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { legateError } from '../errors/index.js';
import { ADMIN_TOKEN_SETTING } from '../node/context.js';
import type { Store } from '../store/types.js';

/** Longest token hashed: `legate init` makes 43 characters; anything much longer is not one of ours. */
const MAX_TOKEN_LENGTH = 512;

/** The one answer to every failed attempt, so a caller learns nothing about why. */
function refuse(c: Context): never {
  c.header('WWW-Authenticate', 'Bearer realm="legate-admin"');
  throw legateError('ERR_UNAUTHORIZED', 'a valid admin bearer token is required');
}

/** True when `token`'s SHA-256 is the stored digest (hex), compared in constant time. */
async function matchesStored(store: Store, token: string): Promise<boolean> {
  const stored = await store.getSetting(ADMIN_TOKEN_SETTING);
  if (stored === undefined || token.length > MAX_TOKEN_LENGTH) return false;
  const presented = createHash('sha256').update(token, 'utf8').digest();
  const expected = Buffer.from(stored, 'hex');
  return expected.length === presented.length && timingSafeEqual(presented, expected);
}

export function adminAuth(store: Store): MiddlewareHandler {
  return bearerAuth({
    realm: 'legate-admin',
    verifyToken: (token) => matchesStored(store, token),
    noAuthenticationHeader: { message: refuse },
    invalidAuthenticationHeader: { message: refuse },
    invalidToken: { message: refuse },
  });
}
