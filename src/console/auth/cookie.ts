/**
 * @module console/auth/cookie
 *
 * The console's session cookie: `legate_console`, HttpOnly (no script
 * reads it), SameSite=Strict (no other site's page sends it), Path=/console,
 * Secure except over plain http on a loopback address (a node tried out on
 * 127.0.0.1), and no longer-lived than the session.
 */

import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export const SESSION_COOKIE = 'legate_console';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether the cookie must be Secure: always, except plain http to a loopback host. */
export function secureCookie(c: Context): boolean {
  const url = new URL(c.req.url);
  return !(url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

export const sessionToken = (c: Context): string | undefined => getCookie(c, SESSION_COOKIE);

export function setSessionCookie(c: Context, token: string, expiresAt: string, now: Date): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/console',
    secure: secureCookie(c),
    maxAge: Math.max(0, Math.floor((Date.parse(expiresAt) - now.getTime()) / 1000)),
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/console', secure: secureCookie(c), httpOnly: true, sameSite: 'Strict' });
}
