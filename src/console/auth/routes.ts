/**
 * @module console/auth/routes
 *
 * Signing in and out of the console: `GET /console/login` (the form),
 * `POST /console/login` (sets the session cookie, then to the agents page),
 * `POST /console/logout` (ends the session everywhere), and `GET /console`
 * (to the agents page). The sign-in form is checked for its origin too, so
 * another site cannot sign a browser in to an account of its choosing.
 */

import { Hono } from 'hono';
import { isLegateError, legateError } from '../../errors/index.js';
import type { NodeContext } from '../../node/context.js';
import { signOut } from '../../node/operators/session.js';
import { signIn } from '../../node/operators/sign-in.js';
import { html } from '../html.js';
import { page } from '../layout.js';
import type { ConsoleEnv } from '../types.js';
import { clearSessionCookie, sessionToken, setSessionCookie } from './cookie.js';
import { refusal, sameOrigin, type ConsoleGuard } from './guard.js';

function loginPage(node: NodeContext, error?: string) {
  return page({
    title: 'Sign in',
    organization: node.organization.did,
    body: html`${error === undefined ? '' : html`<p class="error" data-error="${error}" role="alert">Sign-in failed: check the name, password and code.</p>`}
<form class="card login" method="post" action="/console/login">
<label>Name <input name="name" autocomplete="username" required maxlength="64" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
<label>Code <small>(when your account has one)</small> <input name="totp" inputmode="numeric" autocomplete="one-time-code" maxlength="6" pattern="[0-9]{6}"></label>
<button type="submit">Sign in</button>
</form>`,
  }).toString();
}

/** The sign-in and sign-out routes, relative to `/console`. */
export function authRoutes(node: NodeContext, guard: ConsoleGuard): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.get('/', (c) => c.redirect('/console/agents', 303));
  app.get('/login', (c) => c.html(loginPage(node)));
  app.post('/login', async (c) => {
    if (!sameOrigin(c)) return refusal(c, legateError('ERR_CSRF', 'sign in from the console page of this node'), 403);
    const form = await c.req.parseBody();
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    try {
      const signedIn = await signIn(node, { name: str(form.name), password: str(form.password), totp: str(form.totp) || undefined });
      setSessionCookie(c, signedIn.token, signedIn.expiresAt, node.clock());
      return c.redirect('/console/agents', 303);
    } catch (error) {
      if (!isLegateError(error, 'ERR_SIGN_IN_FAILED')) throw error;
      return c.html(loginPage(node, error.code), 401);
    }
  });
  // Signing out needs the session's CSRF token like any change: another site cannot sign an operator out.
  app.post('/logout', guard('viewer'), async (c) => {
    await signOut(node, sessionToken(c));
    clearSessionCookie(c);
    return c.redirect('/console/login', 303);
  });
  return app;
}
