/**
 * @module bench/http-floor-server
 *
 * The server side of `floor-http-roundtrip` (bench/http-floor), in a process
 * of its own: Hono on `@hono/node-server`, as `legate serve` answers, with
 * one route that reads a JSON body, checks its `action` member and answers a
 * fixed decision-sized JSON, and nothing else (no verification, no store).
 * Sends `{ port }` once listening; exits on `close`.
 */

import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/** About the size of an ActionDecision a node answers (node/actions). */
const DECISION = {
  decision: 'allow',
  reasons: [],
  capability: { action: 'call', resource: 'billing:refund', constraints: { maxAmount: { value: 100, currency: 'USD' } } },
  credentialId: 'urn:uuid:01890000-0000-7000-8000-000000000000',
  attribution: ['did:web:localhost%3A7402:agents:agent-0', 'mailto:dana@support.example'],
  actionHash: 'sha256:' + '0'.repeat(64),
  action: { iss: 'did:web:localhost%3A7402:agents:agent-0', aud: 'did:web:localhost%3A7401:agents:teller', jti: 'urn:uuid:01890000-0000-7000-8000-000000000001', action: 'call', resource: 'billing:refund', params: { amount: { value: 1, currency: 'USD' } } },
};

const app = new Hono();
app.post('/actions', async (c) => {
  const body = JSON.parse(await c.req.text()) as { action?: unknown };
  if (typeof body.action !== 'string') return c.json({ code: 'ERR_INVALID_ARGUMENT' }, 400);
  return c.json(DECISION);
});
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => process.send?.({ port: info.port }));
process.on('message', (message) => {
  if (message === 'close') server.close(() => process.exit(0));
});
