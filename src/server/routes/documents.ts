/**
 * @module server/routes/documents
 *
 * What a node publishes to everyone: its organization's and agents' DID
 * documents (did:web resolution; 410 for a retired agent's) and its status lists, served with an ETag
 * and `Cache-Control` from the list's TTL so verifiers cache and revalidate.
 */

import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { AGENT_NAME } from '../../did/web.js';
import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../../node/context.js';
import { agentDocument, organizationDocument } from '../../node/documents.js';
import { publishedStatusList, STATUS_LIST_TTL_MS } from '../../node/status.js';

const LIST_ID = /^[rs]-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A strong ETag for a published document. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Serves `body` with an ETag and max-age, answering a matching `If-None-Match` with 304. */
export function cacheable(c: Context, body: string, contentType: string, maxAgeSeconds: number): Response {
  const etag = etagOf(body);
  const headers = { etag, 'cache-control': `public, max-age=${maxAgeSeconds}`, 'content-type': contentType };
  const match = c.req.header('if-none-match');
  if (match !== undefined && match.split(',').some((t) => t.trim() === etag)) return c.body(null, 304, headers);
  return c.body(body, 200, headers);
}

export function documentRoutes(node: NodeContext): Hono {
  const app = new Hono();

  app.get('/.well-known/did.json', async (c) => {
    const document = await organizationDocument(node.store, node.organization);
    return cacheable(c, JSON.stringify(document), 'application/did+json', 300);
  });

  app.get('/agents/:name/did.json', async (c) => {
    const name = c.req.param('name');
    const agent = AGENT_NAME.test(name) ? await node.store.getAgent(name) : undefined;
    // did:web's way to say deactivated: 410 Gone, so resolvers report `deactivated: true`, not "not found".
    if (agent?.method === 'web' && agent.status === 'retired') throw legateError('ERR_DID_DEACTIVATED', 'this agent is retired: its DID is deactivated', { claim: 'name' });
    const document = agent === undefined ? undefined : await agentDocument(node.store, node.organization, agent);
    if (document === undefined) throw legateError('ERR_NOT_FOUND', 'no such agent DID document', { claim: 'name' });
    return cacheable(c, JSON.stringify(document), 'application/did+json', 300);
  });

  app.get('/status/:list', async (c) => {
    const id = c.req.param('list');
    if (!LIST_ID.test(id)) throw legateError('ERR_NOT_FOUND', 'no such status list', { claim: 'list' });
    const { token } = await publishedStatusList(node, id);
    return cacheable(c, token, 'application/vc+jwt', STATUS_LIST_TTL_MS / 1000);
  });

  return app;
}
