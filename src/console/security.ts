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

import { setResponseHeader } from '../lib/response-header.js';
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
    setResponseHeader(c, 'Content-Security-Policy', CONSOLE_CSP);
    setResponseHeader(c, 'X-Content-Type-Options', 'nosniff');
    setResponseHeader(c, 'X-Frame-Options', 'DENY');
    // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` with a form's POST, and the CSRF check reads Origin.
    setResponseHeader(c, 'Referrer-Policy', 'same-origin');
    setResponseHeader(c, 'Cross-Origin-Opener-Policy', 'same-origin');
    setResponseHeader(c, 'Cross-Origin-Resource-Policy', 'same-origin');
    if (!c.req.path.startsWith('/console/assets/')) setResponseHeader(c, 'Cache-Control', 'no-store');
  };
}
