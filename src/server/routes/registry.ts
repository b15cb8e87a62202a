/**
 * @module server/routes/registry
 *
 * The trust registry over HTTP: the signed trust list (cacheable, with an
 * ETag), and queries in the shape of the ToIP Trust Registry Query
 * Protocol's two questions — authorization (`{ entity, authorization }`) and
 * recognition (`{ registry, recognized }`) — answered from this node's view.
 */

import { Hono } from 'hono';
import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../../node/context.js';
import { queryAuthorization, queryRecognition } from '../../registry/query.js';
import { jsonBody, stringField } from '../request.js';
import { cacheable, withEtag } from './documents.js';

export function registryRoutes(node: NodeContext, maxBodyLength: number): Hono {
  const app = new Hono();
  const registry = () => node.services.verifier.trustRegistry;

  app.get('/trust-list', withEtag(), async (c) => cacheable(c, await node.services.registry.published(), 'application/vc+jwt', 300));

  app.post('/query', async (c) => {
    const body = await jsonBody(c, maxBodyLength);
    if (body.entity !== undefined) {
      return c.json(await queryAuthorization(registry(), { entity: stringField(body, 'entity'), authorization: stringField(body, 'authorization') }));
    }
    if (body.registry !== undefined) {
      return c.json(await queryRecognition(registry(), { registry: stringField(body, 'registry'), recognized: stringField(body, 'recognized') }));
    }
    throw legateError('ERR_INVALID_ARGUMENT', 'ask { entity, authorization } or { registry, recognized }', { claim: 'body' });
  });

  return app;
}
