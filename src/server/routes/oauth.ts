/**
 * @module server/routes/oauth
 *
 * PLACEHOLDER while #15 is built: replaced by its owner's routes.
 */

import { Hono } from 'hono';
import type { NodeContext } from '../../node/context.js';
import type { Metrics } from '../metrics.js';

export function oauthRoutes(_node: NodeContext, _metrics: Metrics, _maxBodyLength: number): Hono {
  return new Hono();
}
