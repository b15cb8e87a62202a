/**
 * @module console/security
 *
 * The headers every console response carries. The Content-Security-Policy
 * allows nothing but the node itself: scripts and styles only from
 * `/console/assets/` files (no inline script, no inline style, no `eval`),
 * no frames, forms posting only back to the node. With no asset from
 * anywhere else the console works offline, and an injected `<script>` or
 * `style=` attribute does nothing even if escaping were ever missed.
 */

import type { MiddlewareHandler } from 'hono';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Sets the console's security headers on every response under it. */
export function consoleHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONSOLE_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` with a form's POST, and the CSRF check reads Origin.
    c.header('Referrer-Policy', 'same-origin');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (!c.req.path.startsWith('/console/assets/')) c.header('Cache-Control', 'no-store');
  };
}
