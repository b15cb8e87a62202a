/**
 * @module server/routes/exchange
 *
 * Agents of other organizations meet this node's agents here: `POST /ace`
 * carries one ACE message (`{ "message": <jws> }`) and answers with the next
 * one; `POST /actions` carries one signed action (`{ "action": <jws> }`,
 * with `"confirm": <jws>` for the first action of a session: the handshake's
 * confirm, node/confirm-carried) and answers with the decision. Refusals are
 * problem details with their codes.
 */

import { Hono } from 'hono';
import { LegateError } from '../../errors/index.js';
import { MAX_ACE_MESSAGE_LENGTH } from '../../node/ace.js';
import { MAX_ACTION_LENGTH } from '../../node/actions.js';
import type { NodeContext } from '../../node/context.js';
import type { Metrics } from '../metrics.js';
import type { PeerGate } from '../peer-gate.js';
import { httpStatus } from '../problem.js';
import { jsonBody, optionalString, stringField } from '../request.js';

/** A refusal of the sender's message or credentials (4xx), not a throttle, a rate limit or a failure of this node. */
export function failedAuthentication(error: unknown): boolean {
  if (!(error instanceof LegateError) || error.code === 'ERR_PEER_THROTTLED' || error.code === 'ERR_RATE_LIMITED') return false;
  const status = httpStatus(error.code);
  return status >= 400 && status < 500;
}

export function exchangeRoutes(node: NodeContext, metrics: Metrics, maxBodyLength: number, gate: PeerGate): Hono {
  const app = new Hono();
  // A body that cannot be read counts against its sender as any other refusal does.
  const counted = <T>(peer: string, read: () => Promise<T>): Promise<T> =>
    read().catch((error: unknown) => {
      if (failedAuthentication(error)) gate.failed(peer);
      throw error;
    });

  app.post('/ace', async (c) => {
    // Before the body is read: a throttled peer costs nothing more.
    const peer = gate.admit(c);
    const message = await counted(peer, async () => stringField(await jsonBody(c, maxBodyLength), 'message'));
    try {
      const outcome = await node.services.exchange.handleAce(message.slice(0, MAX_ACE_MESSAGE_LENGTH + 1));
      metrics.handshakes.inc({ type: outcome.type, outcome: 'accepted' });
      if (outcome.type === 'advertise') {
        const { trusted, rejected } = outcome.handling;
        for (const r of rejected) metrics.verifications.inc({ kind: 'intent', outcome: 'rejected', code: r.code });
        metrics.verifications.inc({ kind: 'intent', outcome: 'trusted', code: '' }, trusted.length);
        return c.json({ message: outcome.reply });
      }
      return c.json({ ok: true, verdict: outcome.handling.verdict });
    } catch (error) {
      if (error instanceof LegateError) metrics.handshakes.inc({ type: 'message', outcome: 'refused', code: error.code });
      if (failedAuthentication(error)) gate.failed(peer);
      throw error;
    }
  });

  app.post('/actions', async (c) => {
    const peer = gate.admit(c);
    const { action, confirm } = await counted(peer, async () => {
      const body = await jsonBody(c, maxBodyLength);
      return { action: stringField(body, 'action'), confirm: optionalString(body, 'confirm') };
    });
    try {
      const decision = await node.services.exchange.handleAction(action.slice(0, MAX_ACTION_LENGTH + 1), {
        ...(confirm === undefined ? {} : { confirm: confirm.slice(0, MAX_ACE_MESSAGE_LENGTH + 1) }),
      });
      metrics.decisions.inc({ decision: decision.decision, code: decision.reasons[0]?.code ?? '' });
      // The handshake's confirm, taken with the session's first action (node/confirm-carried), counts as one sent alone.
      if (confirm !== undefined) metrics.handshakes.inc({ type: 'confirm', outcome: 'accepted' });
      return c.json(decision);
    } catch (error) {
      if (error instanceof LegateError) metrics.decisions.inc({ decision: 'refused', code: error.code });
      if (failedAuthentication(error)) gate.failed(peer);
      throw error;
    }
  });

  return app;
}
