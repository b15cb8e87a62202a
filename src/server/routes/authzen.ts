/**
 * @module server/routes/authzen
 *
 * Resource servers and gateways ask this node about tokens and decisions
 * here (#15 items 4 and 6): `POST /oauth/introspect` (RFC 7662, a form),
 * `POST /access/v1/evaluation` and `POST /access/v1/evaluations` (OpenID
 * AuthZEN 1.0, JSON), `GET /.well-known/authzen-configuration`. Thin: read
 * the body, call `node.services.oauth`, send its status, body and headers,
 * count the answers.
 */

import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isRecord } from '../../lib/assert.js';
import { parseJson } from '../../lib/json.js';
import type { NodeContext } from '../../node/context.js';
import type { EndpointResponse } from '../../node/oauth/types.js';
import type { Metrics } from '../metrics.js';
import { refusedCredentials, type PeerGate } from '../peer-gate.js';

/** The JSON body, or undefined when it is not JSON (the endpoint authenticates the caller first, then says 400). */
async function jsonOrUndefined(c: Context, maxLength: number): Promise<unknown> {
  try {
    return parseJson(await c.req.text(), 'request body', { maxLength });
  } catch {
    return undefined;
  }
}

/** The form body (RFC 6749 §3.2: `application/x-www-form-urlencoded`); any other type reads as empty. */
async function formOf(c: Context): Promise<URLSearchParams> {
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  return /^application\/x-www-form-urlencoded\s*(;|$)/i.test(type) ? new URLSearchParams(text) : new URLSearchParams();
}

function send(c: Context, response: EndpointResponse): Response {
  for (const [name, value] of Object.entries(response.headers ?? {})) c.header(name, value);
  // AuthZEN 1.0 request identification: a request identifier the caller sent comes back with the answer (bounded, printable).
  const requestId = c.req.header('x-request-id');
  if (requestId !== undefined && /^[\x21-\x7e]{1,128}$/.test(requestId)) c.header('X-Request-ID', requestId);
  return c.json(response.body as object, response.status as ContentfulStatusCode);
}

/** Counts AuthZEN answers: each decision with its first reason code, or the refused request. */
function countEvaluations(metrics: Metrics, response: EndpointResponse): void {
  const body = response.body;
  if (response.status !== 200 || !isRecord(body)) {
    metrics.evaluations.inc({ decision: 'refused', code: isRecord(body) && typeof body.code === 'string' ? body.code : '' });
    return;
  }
  const answers = Array.isArray(body.evaluations) ? body.evaluations : [body];
  for (const answer of answers) {
    const context = isRecord(answer) && isRecord(answer.context) ? answer.context : {};
    const first = Array.isArray(context.reasons) && isRecord(context.reasons[0]) ? context.reasons[0].code : '';
    metrics.evaluations.inc({ decision: typeof context.decision === 'string' ? context.decision : 'deny', code: typeof first === 'string' ? first : '' });
  }
}

export function authzenRoutes(node: NodeContext, metrics: Metrics, maxBodyLength: number, gate: PeerGate): Hono {
  const app = new Hono();
  const { oauth } = node.services;

  app.post('/oauth/introspect', async (c) => {
    const peer = gate.admit(c);
    const response = await oauth.introspect({ form: await formOf(c) });
    if (refusedCredentials(response)) gate.failed(peer);
    const body = response.body;
    const outcome = response.status !== 200 || !isRecord(body) ? 'refused' : body.active === true ? 'active' : 'inactive';
    metrics.introspections.inc({ outcome });
    return send(c, response);
  });

  app.post('/access/v1/evaluation', async (c) => {
    const peer = gate.admit(c);
    const response = await oauth.evaluate({ authorization: c.req.header('authorization'), body: await jsonOrUndefined(c, maxBodyLength) });
    if (refusedCredentials(response)) gate.failed(peer);
    countEvaluations(metrics, response);
    return send(c, response);
  });

  app.post('/access/v1/evaluations', async (c) => {
    const peer = gate.admit(c);
    const response = await oauth.evaluateMany({ authorization: c.req.header('authorization'), body: await jsonOrUndefined(c, maxBodyLength) });
    if (refusedCredentials(response)) gate.failed(peer);
    countEvaluations(metrics, response);
    return send(c, response);
  });

  app.get('/.well-known/authzen-configuration', async (c) => c.json(await oauth.authzenConfiguration()));

  return app;
}
