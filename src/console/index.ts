/**
 * @module console
 *
 * The web console for the people who answer for a node's agents, served by
 * the node at `/console` (issue #18). It is a face like the CLI and the
 * HTTP API: every page reads or calls `node/` operations and holds no logic
 * of its own. Pages are rendered on the server with escaping by
 * construction (console/html); the only script and stylesheet are the
 * node's own files (console/assets) under a strict Content-Security-Policy
 * (console/security).
 */

import { Hono } from 'hono';
import { policyChanges, type ChangeHandler } from '../node/console-changes.js';
import type { NodeContext } from '../node/context.js';
import { assetRoutes } from './assets.js';
import { consoleGuard, type ConsoleGuard } from './auth/guard.js';
import { authRoutes } from './auth/routes.js';
import { pageRoutes } from './pages/routes.js';
import { consoleHeaders } from './security.js';
import type { ConsoleEnv } from './types.js';

export type { ConsoleEnv, ConsoleOperator } from './types.js';
export type { ConsoleGuard } from './auth/guard.js';

export interface ConsoleDeps {
  node: NodeContext;
  /** Largest form or JSON body accepted, in bytes. */
  maxBodyBytes: number;
  /** The session guard; default the node's own (console/auth/guard): operators signed in with a session in the store. */
  guard?: ConsoleGuard | undefined;
  /** Makes an operator's change; default {@link policyChanges} (through the second-person policy, audited with the operator's name). */
  changes?: ChangeHandler | undefined;
}

/** The console's routes, to mount at `/console`. */
export function consoleRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.use('*', consoleHeaders());
  app.route('/', assetRoutes());
  const guard = deps.guard ?? consoleGuard(deps.node);
  app.route('/', authRoutes(deps.node, guard));
  app.route('/', pageRoutes({ node: deps.node, guard, changes: deps.changes ?? policyChanges(deps.node) }));
  return app;
}
