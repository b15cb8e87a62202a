/**
 * @module cli/commands/approver
 *
 * `legate approver add|remove|list`: the DIDs whose signed approvals this
 * node accepts for approval-gated actions, besides each agent's own owner.
 */

import type { Command } from 'commander';
import { action, withNode } from '../command.js';
import { EXIT, printJson, println } from '../io.js';

export function registerApprover(program: Command): void {
  const approver = program.command('approver').description('approvers this organization names for approval-gated actions');
  const show = (json: boolean, list: string[]) => {
    if (json) printJson(list);
    else for (const did of list) println(did);
    return EXIT.ok;
  };
  action(approver.command('add <did>').description('name an approver'), async (globals, did: string) =>
    withNode(globals, async (node) => show(globals.json, await node.services.exchange.addApprover(did))),
  );
  action(approver.command('remove <did>').description('remove an approver'), async (globals, did: string) =>
    withNode(globals, async (node) => show(globals.json, await node.services.exchange.removeApprover(did))),
  );
  action(approver.command('list').description('list approvers'), async (globals) => withNode(globals, async (node) => show(globals.json, await node.services.exchange.listApprovers())));
}
