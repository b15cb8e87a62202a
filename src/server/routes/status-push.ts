/**
 * @module server/routes/status-push
 *
 * Revocation push (#17 item 5) between organizations' nodes:
 * `POST /status/subscriptions` takes a partner's signed subscription to this
 * node's status lists (`{ "subscription": <jws> }`), `POST /status/notices`
 * an issuer's signed notice that lists this node relies on changed
 * (`{ "notice": <jws> }`). Both endpoints are named in the organization's
 * DID document; refusals are problem details with their codes.
 */

import { Hono } from 'hono';
import type { NodeContext } from '../../node/context.js';
import { jsonBody, stringField } from '../request.js';

/** Bodies are small: one compact JWS naming at most 64 lists. */
const MAX_BODY = 32 * 1024;

export function statusPushRoutes(node: NodeContext, maxBodyLength: number): Hono {
  const app = new Hono();
  const limit = Math.min(maxBodyLength, MAX_BODY);

  app.post('/status/subscriptions', async (c) => {
    const token = stringField(await jsonBody(c, limit), 'subscription');
    const grant = await node.services.statusPush.subscribe(token);
    return c.json(grant);
  });

  app.post('/status/notices', async (c) => {
    const token = stringField(await jsonBody(c, limit), 'notice');
    const taken = await node.services.statusPush.receiveNotice(token);
    return c.json(taken, 202);
  });

  return app;
}
