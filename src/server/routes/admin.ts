/**
 * @module server/routes/admin
 *
 * The organization's own operations over HTTP, behind the admin bearer
 * token: register and retire agents, issue and delegate capability
 * credentials, revoke, suspend and reinstate them, list them (the
 * inventory, `admin-credentials.ts`), run the renewal job, rotate, revoke
 * and list keys, add and list console operators. Thin over `legate/node`.
 * Every body is checked against its JSON Schema in `schemas/` (`admin-*`)
 * by hono's validator (`../validate.ts`), and the schema refuses unknown
 * properties: a misspelt `constrains` is an `ERR_SCHEMA` 400, never a
 * credential issued without its limits. Routes that take no body accept
 * none, or `{}`.
 */

import { Hono } from 'hono';
import { legateError } from '../../errors/index.js';
import type { NodeContext } from '../../node/context.js';
import type { DelegateFromAgentOptions } from '../../node/delegate.js';
import type { IssueToAgentOptions } from '../../node/issue.js';
import type { AddOperatorOptions } from '../../node/operators/add.js';
import { renewCredentials } from '../../node/renew.js';
import type { RetireOptions } from '../../node/retire.js';
import type { StatusChange } from '../../node/status.js';
import type { AgentMethod } from '../../store/types.js';
import { adminAuth } from '../admin-auth.js';
import { credentialInventoryRoutes } from './admin-credentials.js';
import { readJson, schemaBody } from '../validate.js';

interface AgentRequest {
  name: string;
  owner: string;
  method?: AgentMethod;
}

/** `issueToAgent`'s options as `schemas/admin-credential-request.json` admits them (no `format`: a JWT). */
type CredentialRequest = Omit<IssueToAgentOptions, 'format' | 'lineage' | 'owner' | 'validUntil'>;

/** `delegateFromAgent`'s options as `schemas/admin-delegation-request.json` admits them (no `format`: a JWT). */
type DelegationRequest = Omit<DelegateFromAgentOptions, 'format'>;

export function adminRoutes(node: NodeContext, maxBodyLength: number): Hono {
  const app = new Hono();
  app.use('*', adminAuth(node.store));

  const empty = [readJson(maxBodyLength, { optional: true }), schemaBody<Record<string, never>>('admin-empty-request.json')] as const;

  app.post('/agents', readJson(maxBodyLength), schemaBody<AgentRequest>('admin-agent-request.json'), async (c) => {
    const request = c.req.valid('json');
    const agent = await node.services.agents.create({ name: request.name, owner: request.owner, method: request.method ?? 'web' });
    return c.json(agent, 201);
  });

  app.post('/agents/:name/retire', readJson(maxBodyLength, { optional: true }), schemaBody<RetireOptions>('admin-retire-request.json'), async (c) => {
    return c.json(await node.services.agents.retire(c.req.param('name'), c.req.valid('json')));
  });

  app.post('/renewals', readJson(maxBodyLength, { optional: true }), schemaBody<{ agent?: string; dryRun?: boolean }>('admin-renew-request.json'), async (c) => {
    return c.json(await renewCredentials(node, c.req.valid('json')));
  });

  app.post('/credentials', readJson(maxBodyLength), schemaBody<CredentialRequest>('admin-credential-request.json'), async (c) => {
    // The schema admits exactly these fields, so the body is passed as it is.
    const issued = await node.services.issuance.issue(c.req.valid('json'));
    return c.json(issued, 201);
  });

  app.post('/delegations', readJson(maxBodyLength), schemaBody<DelegationRequest>('admin-delegation-request.json'), async (c) => {
    const issued = await node.services.issuance.delegate(c.req.valid('json'));
    return c.json(issued, 201);
  });

  app.post('/credentials/:id/:change{revoke|suspend|reinstate}', ...empty, async (c) => {
    const result = await node.services.statusLists.change(c.req.param('id'), c.req.param('change') as StatusChange);
    return c.json(result);
  });

  // Bootstrapping the console: the admin token adds the first operators (node/operators); operators then sign in.
  app.post('/operators', readJson(maxBodyLength), schemaBody<Omit<AddOperatorOptions, 'actor'>>('admin-operator-request.json'), async (c) => {
    const { addOperator } = await import('../../node/operators/add.js');
    return c.json(await addOperator(node, { ...c.req.valid('json'), actor: 'admin-token' }), 201);
  });
  app.get('/operators', async (c) => c.json({ operators: await (await import('../../node/operators/change.js')).listOperators(node) }));

  credentialInventoryRoutes(app, node);
  // The key lifecycle (node/key-*): loaded on first use, as the CLI's `legate key` is.
  app.get('/keys', async (c) => c.json(await (await import('../../node/key-lifecycle.js')).keyStates(node)));

  app.post('/keys/rotate', readJson(maxBodyLength, { optional: true }), schemaBody<{ agent?: string; successor?: string }>('admin-key-rotate-request.json'), async (c) => {
    const { rotateAgentKey, rotateOrganizationKey } = await import('../../node/key-rotate.js');
    const { agent, successor } = c.req.valid('json');
    if (successor !== undefined && agent === undefined) throw legateError('ERR_INVALID_ARGUMENT', 'successor names the successor of a did:key agent: give agent too', { claim: 'successor' });
    const rotation =
      agent === undefined
        ? await rotateOrganizationKey(node)
        : successor === undefined
          ? await rotateAgentKey(node, agent)
          : await (await import('../../node/key-rotate-did-key.js')).rotateDidKeyAgent(node, agent, successor);
    return c.json({ ...rotation, retired: await (await import('../../node/key-retire.js')).retireKeys(node) });
  });

  app.post('/keys/revoke', readJson(maxBodyLength), schemaBody<{ kid: string; compromisedSince: string }>('admin-key-revoke-request.json'), async (c) => {
    const { kid, compromisedSince } = c.req.valid('json');
    return c.json(await (await import('../../node/key-revoke.js')).revokeKey(node, kid, { compromisedSince }));
  });

  app.post('/keys/retire', ...empty, async (c) => c.json(await (await import('../../node/key-retire.js')).retireKeys(node)));

  return app;
}
