/**
 * @module server/routes/admin
 *
 * The organization's own operations over HTTP, behind the admin bearer
 * token: register and retire agents, issue and delegate capability
 * credentials, revoke, suspend and reinstate them. Thin over `legate/node`.
 */

import { Hono } from 'hono';
import { InputError } from '../../errors/index.js';
import type { Capability, Constraints, Delegation } from '../../credential/types.js';
import { isRecord } from '../../lib/assert.js';
import { createAgent } from '../../node/agents.js';
import type { NodeContext } from '../../node/context.js';
import { delegateFromAgent } from '../../node/delegate.js';
import { issueToAgent } from '../../node/issue.js';
import { retireAgent } from '../../node/retire.js';
import { changeStatus, type StatusChange } from '../../node/status.js';
import type { AgentMethod } from '../../store/types.js';
import { adminAuth } from '../admin-auth.js';
import { jsonBody, optionalString, stringField } from '../request.js';

function capabilities(body: Record<string, unknown>): Capability[] {
  const value = body.capabilities;
  if (!Array.isArray(value) || value.length === 0 || !value.every(isRecord)) {
    throw new InputError('ERR_INVALID_ARGUMENT', 'capabilities must be a non-empty array of objects', { claim: 'capabilities' });
  }
  return value as unknown as Capability[];
}

function optionalRecord<T>(body: Record<string, unknown>, name: string): T | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw new InputError('ERR_INVALID_ARGUMENT', `${name} must be an object`, { claim: name });
  return value as T;
}

function optionalInteger(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InputError('ERR_INVALID_ARGUMENT', `${name} must be a non-negative integer`, { claim: name });
  }
  return value;
}

export function adminRoutes(node: NodeContext, maxBodyLength: number): Hono {
  const app = new Hono();
  app.use('*', adminAuth(node.store));

  app.post('/agents', async (c) => {
    const body = await jsonBody(c, maxBodyLength);
    const agent = await createAgent(node, {
      name: stringField(body, 'name'),
      owner: stringField(body, 'owner'),
      method: (optionalString(body, 'method') ?? 'web') as AgentMethod,
    });
    return c.json(agent, 201);
  });

  app.post('/agents/:name/retire', async (c) => c.json(await retireAgent(node, c.req.param('name'))));

  app.post('/credentials', async (c) => {
    const body = await jsonBody(c, maxBodyLength);
    const constraints = optionalRecord<Constraints>(body, 'constraints');
    const delegation = optionalRecord<Delegation>(body, 'delegation');
    const validFor = optionalString(body, 'validFor');
    const agentVersion = optionalString(body, 'agentVersion');
    const issued = await issueToAgent(node, {
      agent: stringField(body, 'agent'),
      capabilities: capabilities(body),
      ...(constraints === undefined ? {} : { constraints }),
      ...(delegation === undefined ? {} : { delegation }),
      ...(validFor === undefined ? {} : { validFor }),
      ...(agentVersion === undefined ? {} : { agentVersion }),
    });
    return c.json(issued, 201);
  });

  app.post('/delegations', async (c) => {
    const body = await jsonBody(c, maxBodyLength);
    const capability = optionalRecord<Capability>(body, 'capability');
    if (capability === undefined) throw new InputError('ERR_INVALID_ARGUMENT', 'capability is required', { claim: 'capability' });
    const maxDepth = optionalInteger(body, 'maxDepth');
    const validFor = optionalString(body, 'validFor');
    const issued = await delegateFromAgent(node, {
      from: stringField(body, 'from'),
      credential: stringField(body, 'credential'),
      to: stringField(body, 'to'),
      capability,
      ...(maxDepth === undefined ? {} : { maxDepth }),
      ...(validFor === undefined ? {} : { validFor }),
    });
    return c.json(issued, 201);
  });

  app.post('/credentials/:id/:change{revoke|suspend|reinstate}', async (c) => {
    const result = await changeStatus(node, c.req.param('id'), c.req.param('change') as StatusChange);
    return c.json(result);
  });

  return app;
}
