/**
 * @module server/routes/admin
 *
 * The organization's own operations over HTTP, behind the admin bearer
 * token: register and retire agents, issue and delegate capability
 * credentials, revoke, suspend and reinstate them. Thin over `legate/node`.
 * Every body is checked against its JSON Schema in `schemas/` (`admin-*`),
 * which refuses unknown properties: a misspelt `constrains` is an
 * `ERR_SCHEMA` 400, never a credential issued without its limits.
 */

import type { Context } from 'hono';
import { Hono } from 'hono';
import { assertSchema } from '../../credential/schema.js';
import type { NodeContext } from '../../node/context.js';
import type { DelegateFromAgentOptions } from '../../node/delegate.js';
import type { IssueToAgentOptions } from '../../node/issue.js';
import type { StatusChange } from '../../node/status.js';
import type { AgentMethod } from '../../store/types.js';
import { adminAuth } from '../admin-auth.js';
import { jsonBody } from '../request.js';

interface AgentRequest {
  name: string;
  owner: string;
  method?: AgentMethod;
}

/** `issueToAgent`'s options as `schemas/admin-credential-request.json` admits them (no `format`: a JWT). */
type CredentialRequest = Omit<IssueToAgentOptions, 'format'>;

/** `delegateFromAgent`'s options as `schemas/admin-delegation-request.json` admits them (no `format`: a JWT). */
type DelegationRequest = Omit<DelegateFromAgentOptions, 'format'>;

/** The request body, checked against `schemas/<file>` (`ERR_MALFORMED`, `ERR_SCHEMA`). */
async function body<T>(c: Context, maxLength: number, file: string): Promise<T> {
  const value = await jsonBody(c, maxLength);
  assertSchema(file, value, 'the request body');
  return value as unknown as T;
}

/** Routes that take no body accept none, or `{}`: anything else is refused like an unknown field. */
async function noBody(c: Context, maxLength: number): Promise<void> {
  if ((await c.req.text()).trim() === '') return;
  await body(c, maxLength, 'admin-empty-request.json');
}

export function adminRoutes(node: NodeContext, maxBodyLength: number): Hono {
  const app = new Hono();
  app.use('*', adminAuth(node.store));

  app.post('/agents', async (c) => {
    const request = await body<AgentRequest>(c, maxBodyLength, 'admin-agent-request.json');
    const agent = await node.services.agents.create({ name: request.name, owner: request.owner, method: request.method ?? 'web' });
    return c.json(agent, 201);
  });

  app.post('/agents/:name/retire', async (c) => {
    await noBody(c, maxBodyLength);
    return c.json(await node.services.agents.retire(c.req.param('name')));
  });

  app.post('/credentials', async (c) => {
    // The schema admits exactly these fields, so the body is passed as it is.
    const issued = await node.services.issuance.issue(await body<CredentialRequest>(c, maxBodyLength, 'admin-credential-request.json'));
    return c.json(issued, 201);
  });

  app.post('/delegations', async (c) => {
    const issued = await node.services.issuance.delegate(await body<DelegationRequest>(c, maxBodyLength, 'admin-delegation-request.json'));
    return c.json(issued, 201);
  });

  app.post('/credentials/:id/:change{revoke|suspend|reinstate}', async (c) => {
    await noBody(c, maxBodyLength);
    const result = await node.services.statusLists.change(c.req.param('id'), c.req.param('change') as StatusChange);
    return c.json(result);
  });

  return app;
}
