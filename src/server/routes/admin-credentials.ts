/**
 * @module server/routes/admin-credentials
 *
 * The credential inventory over HTTP (#17 item 2), mounted on the admin
 * routes, so behind the same admin bearer token:
 *
 * - `GET /admin/credentials?agent=&status=&expiringWithin=&limit=&cursor=`:
 *   one page of `listCredentials` (`expiringWithin` a duration: `7d`,
 *   `12h`, `P7D`);
 * - `GET /admin/credentials/{id}`: `showCredential` (the id percent-encoded
 *   or as it is: `urn:uuid:…` needs no encoding).
 *
 * A query parameter the route does not know, or one given twice, is
 * `ERR_INVALID_ARGUMENT`, like a bad value: a misspelt filter never lists
 * everything.
 */

import type { Hono } from 'hono';
import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../../node/context.js';
import type { CredentialState } from '../../node/credential-view.js';
import { expiringWithinMs, listCredentials } from '../../node/list-credentials.js';
import { showCredential } from '../../node/show-credential.js';

const PARAMETERS = new Set(['agent', 'status', 'expiringWithin', 'limit', 'cursor']);

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,4}$/.test(text)) throw legateError('ERR_INVALID_ARGUMENT', 'limit must be an integer from 1 to 500', { claim: 'limit' });
  return Number(text);
}

/** Adds the inventory's routes to `app` (the admin routes, after their authentication). */
export function credentialInventoryRoutes(app: Hono, node: NodeContext): void {
  app.get('/credentials', async (c) => {
    const query: Record<string, string> = {};
    for (const [name, values] of Object.entries(c.req.queries())) {
      if (!PARAMETERS.has(name)) throw legateError('ERR_INVALID_ARGUMENT', `unknown query parameter ${name.slice(0, 64)}`, { claim: name.slice(0, 64) });
      if (values.length !== 1) throw legateError('ERR_INVALID_ARGUMENT', `${name} may be given only once`, { claim: name });
      query[name] = values[0]!;
    }
    const page = await listCredentials(node, {
      agent: query.agent,
      status: query.status as CredentialState | undefined,
      expiringWithin: query.expiringWithin === undefined ? undefined : expiringWithinMs(query.expiringWithin, node.clock()),
      limit: parseLimit(query.limit),
      cursor: query.cursor,
    });
    return c.json(page);
  });

  app.get('/credentials/:id', async (c) => c.json(await showCredential(node, c.req.param('id'))));
}
