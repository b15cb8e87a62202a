/**
 * @module server/routes/oauth
 *
 * The node as an OAuth authorization server (#15): RFC 8414 metadata at
 * `/.well-known/oauth-authorization-server` (the issuer is an origin, so
 * never the §3.1 path-inserted form: `oauth.issuer` refuses a path, as the
 * routes are mounted at the root), its JWK Set at `/oauth/jwks`, and
 * RFC 8693 token exchange at `POST /oauth/token`. The token endpoint reads
 * `application/x-www-form-urlencoded` only (RFC 6749 §3.2); everything else
 * is decided by the node (`node.services.oauth`), which answers in the
 * OAuth form with its headers (`DPoP-Nonce`, `Cache-Control: no-store`).
 * Introspection lives with the policy decision point's routes.
 */

import { Hono, type Context } from 'hono';
import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../../node/context.js';
import type { EndpointResponse } from '../../node/oauth/types.js';
import type { Metrics } from '../metrics.js';
import { refusedCredentials, type PeerGate } from '../peer-gate.js';

const METADATA_PATH = '/.well-known/oauth-authorization-server';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** How long clients and resource servers may cache the metadata and the key set, in seconds. */
const PUBLISHED_MAX_AGE = 300;

function send(c: Context, response: EndpointResponse): Response {
  return c.json(response.body as Record<string, unknown>, response.status as 200, response.headers);
}

/** The form of a token request, or why it cannot be read as one. */
async function formOf(c: Context, maxBodyLength: number): Promise<{ form: URLSearchParams; refused?: Error }> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== FORM_TYPE) {
    return { form: new URLSearchParams(), refused: legateError('ERR_INVALID_ARGUMENT', `the token endpoint reads ${FORM_TYPE} bodies only`, { claim: 'content-type' }) };
  }
  const text = await c.req.text();
  if (text.length > maxBodyLength) {
    return { form: new URLSearchParams(), refused: legateError('ERR_INPUT_TOO_LARGE', `request body is larger than ${maxBodyLength} bytes`, { claim: 'body' }) };
  }
  return { form: new URLSearchParams(text) };
}

export function oauthRoutes(node: NodeContext, metrics: Metrics, maxBodyLength: number, gate: PeerGate): Hono {
  const app = new Hono();
  const published = { 'cache-control': `public, max-age=${PUBLISHED_MAX_AGE}` };

  app.get(METADATA_PATH, async (c) => c.json(await node.services.oauth.metadata(), 200, published));

  app.get('/oauth/jwks', async (c) => c.json(await node.services.oauth.jwks(), 200, { ...published, 'content-type': 'application/jwk-set+json' }));

  app.post('/oauth/token', async (c) => {
    const peer = gate.admit(c);
    const { form, refused } = await formOf(c, maxBodyLength);
    const response = await node.services.oauth.token({ form, dpop: c.req.header('dpop'), ...(refused === undefined ? {} : { refused }) });
    if (refusedCredentials(response)) gate.failed(peer);
    const legateCode = (response.body as { code?: unknown }).code;
    const code = response.status === 200 || typeof legateCode !== 'string' ? '' : legateCode;
    metrics.tokens.inc({ outcome: response.status === 200 ? 'issued' : 'refused', code });
    return send(c, response);
  });

  return app;
}
