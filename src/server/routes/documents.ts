/**
 * @module server/routes/documents
 *
 * What a node publishes to everyone: its organization's and agents' DID
 * documents (did:web resolution; 410 for a retired agent's) and its status lists, served with an ETag
 * (hono's `etag` middleware) and `Cache-Control` from the list's TTL so verifiers cache and revalidate.
 */

import { webcrypto } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { etag } from 'hono/etag';
import { AGENT_NAME } from '../../did/web.js';
import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../../node/context.js';
import { agentDocument, organizationDocument } from '../../node/documents.js';
import { STATUS_LIST_TTL_MS } from '../../node/status.js';

const LIST_ID = /^[rs]-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * hono's `etag`: a strong ETag from the SHA-256 of each successful GET's
 * body, and 304 (with `ETag` and `Cache-Control`) for a matching
 * `If-None-Match`.
 */
export function withEtag(): MiddlewareHandler {
  return etag({ generateDigest: (body) => webcrypto.subtle.digest('SHA-256', body) });
}

/** Serves `body` with a max-age, for {@link withEtag} to tag and revalidate. */
export function cacheable(c: Context, body: string, contentType: string, maxAgeSeconds: number): Response {
  return c.body(body, 200, { 'cache-control': `public, max-age=${maxAgeSeconds}`, 'content-type': contentType });
}

export function documentRoutes(node: NodeContext): Hono {
  const app = new Hono();
  // On each route, not `use('*')`: mounted at '/', that would tag every GET of the app.
  const tagged = withEtag();

  app.get('/.well-known/did.json', tagged, async (c) => {
    const document = await organizationDocument(node.store, node.organization);
    return cacheable(c, JSON.stringify(document), 'application/did+json', 300);
  });

  app.get('/agents/:name/did.json', tagged, async (c) => {
    const name = c.req.param('name');
    const agent = AGENT_NAME.test(name) ? await node.store.getAgent(name) : undefined;
    // did:web's way to say deactivated: 410 Gone, so resolvers report `deactivated: true`, not "not found".
    if (agent?.method === 'web' && agent.status === 'retired') throw legateError('ERR_DID_DEACTIVATED', 'this agent is retired: its DID is deactivated', { claim: 'name' });
    const document = agent === undefined ? undefined : await agentDocument(node.store, node.organization, agent);
    if (document === undefined) throw legateError('ERR_NOT_FOUND', 'no such agent DID document', { claim: 'name' });
    return cacheable(c, JSON.stringify(document), 'application/did+json', 300);
  });

  app.get('/status/:list', tagged, async (c) => {
    const id = c.req.param('list');
    if (!LIST_ID.test(id)) throw legateError('ERR_NOT_FOUND', 'no such status list', { claim: 'list' });
    const { token } = await node.services.statusLists.published(id);
    return cacheable(c, token, 'application/vc+jwt', STATUS_LIST_TTL_MS / 1000);
  });

  return app;
}
