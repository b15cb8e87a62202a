/**
 * @module console/auth/guard
 *
 * The console's session guard: a request passes only with a live session
 * (node/operators/session) of an operator whose role is at least the
 * route's, and, for anything but GET and HEAD, only with the session's CSRF
 * token (form field `csrf` or header `X-CSRF-Token`, compared in constant
 * time) and from the console's own origin (`Origin`, `Sec-Fetch-Site` when
 * the browser sends them). Without a session a page redirects to sign-in;
 * anything else is refused with its code.
 */

import type { Context, MiddlewareHandler } from 'hono';
import { legateError, type LegateError } from '../../errors/index.js';
import { sameString } from '../../lib/same-string.js';
import type { NodeContext } from '../../node/context.js';
import { roleAtLeast, type OperatorRole } from '../../node/operators/roles.js';
import { sessionFor } from '../../node/operators/session.js';
import type { ConsoleEnv } from '../types.js';
import { clearSessionCookie, sessionToken } from './cookie.js';

/** Lets a request through only for a signed-in operator of at least `minRole`, setting `operator` and `csrfToken` (and checking the CSRF token of changes). */
export type ConsoleGuard = (minRole: OperatorRole) => MiddlewareHandler<ConsoleEnv>;

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** A refusal as the console answers it: problem JSON with the Legate code (never a detail of the session). */
export function refusal(c: Context, error: LegateError, status: 401 | 403): Response {
  return c.json({ status, code: error.code, detail: error.message }, status, { 'content-type': 'application/problem+json' });
}

/** Whether a change comes from the console's own pages: same origin when the browser says where it comes from. */
export function sameOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = c.req.header('origin');
  // No Origin (an older browser, a script), or an opaque one: the fetch metadata, when sent, has decided.
  if (origin === undefined || origin === 'null') return site === 'same-origin' || origin === undefined;
  try {
    return new URL(origin).host === new URL(c.req.url).host;
  } catch {
    return false;
  }
}

async function csrfOf(c: Context): Promise<string | undefined> {
  const header = c.req.header('x-csrf-token');
  if (header !== undefined) return header;
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return undefined;
  const field = (await c.req.parseBody()).csrf;
  return typeof field === 'string' ? field : undefined;
}

/** The guard of `node`'s console. */
export function consoleGuard(node: NodeContext): ConsoleGuard {
  return (minRole) => async (c, next) => {
    const session = await sessionFor(node, sessionToken(c));
    const safe = SAFE_METHODS.has(c.req.method);
    if (session === undefined) {
      clearSessionCookie(c);
      if (safe) return c.redirect('/console/login', 303);
      return refusal(c, legateError('ERR_SESSION_REQUIRED', 'sign in to the console first'), 401);
    }
    if (!roleAtLeast(session.operator.role, minRole)) {
      return refusal(c, legateError('ERR_OPERATOR_ROLE', `this needs the ${minRole} role; ${session.operator.name} is ${session.operator.role}`), 403);
    }
    if (!safe) {
      const token = await csrfOf(c);
      if (!sameOrigin(c) || token === undefined || !sameString(token, session.csrfToken)) {
        return refusal(c, legateError('ERR_CSRF', 'this change did not come from a console page of this session'), 403);
      }
    }
    c.set('operator', session.operator);
    c.set('csrfToken', session.csrfToken);
    await next();
  };
}
