/**
 * @module console/pages/routes
 *
 * The console's read pages and its change route, each behind the session
 * guard: viewers read agents, federation, decisions, audit entries and
 * charts; only admins post changes (revoke, suspend, reinstate, retire),
 * which go through the `changes` port after a confirmation page.
 */

import { Hono } from 'hono';
import type { ConsoleGuard } from '../auth/guard.js';
import type { ChangeHandler } from '../../node/console-changes.js';
import type { NodeContext } from '../../node/context.js';
import type { ConsoleEnv } from '../types.js';
import { actionPost } from './actions.js';
import { agentPage } from './agent.js';
import { agentsPage } from './agents.js';
import { auditEntryPage } from './audit-entry.js';
import { acknowledgePost, alertsPage } from './alerts.js';
import { approvalsPage, decidePost, retryPost } from './approvals.js';
import { changesPage, decideChangePost } from './changes.js';
import { chartsPage } from './charts.js';
import { operatorsPage } from './operators.js';
import { decisionsJson, decisionsPage } from './decisions.js';
import { federationPage } from './federation.js';


export interface PageDeps {
  node: NodeContext;
  guard: ConsoleGuard;
  /** Makes (or queues for a second approval) an operator's change. */
  changes: ChangeHandler;
}

/** The pages' routes, relative to `/console`. */
export function pageRoutes(deps: PageDeps): Hono<ConsoleEnv> {
  const { node, guard, changes } = deps;
  const app = new Hono<ConsoleEnv>();
  const viewer = guard('viewer');
  app.get('/agents', viewer, (c) => agentsPage(c, node));
  app.get('/agents/:name', viewer, (c) => agentPage(c, node));
  app.get('/federation', viewer, (c) => federationPage(c, node));
  app.get('/decisions', viewer, (c) => decisionsPage(c, node));
  app.get('/decisions.json', viewer, (c) => decisionsJson(c, node));
  app.get('/audit/:chain/:seq', viewer, (c) => auditEntryPage(c, node));
  app.get('/charts', viewer, (c) => chartsPage(c, node));
  app.get('/approvals', viewer, (c) => approvalsPage(c, node));
  app.post('/approvals/decide', guard('approver'), (c) => decidePost(c, node));
  app.post('/approvals/retry', guard('approver'), (c) => retryPost(c, node));
  app.get('/alerts', viewer, (c) => alertsPage(c, node));
  app.post('/alerts/ack', guard('approver'), (c) => acknowledgePost(c, node));
  app.get('/operators', guard('admin'), (c) => operatorsPage(c, node));
  app.get('/changes', viewer, (c) => changesPage(c, node));
  app.post('/changes/decide', guard('admin'), (c) => decideChangePost(c, node));
  app.post('/actions', guard('admin'), (c) => actionPost(c, node, changes));
  return app;
}
