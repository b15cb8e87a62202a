/**
 * @module cli/commands/approvals
 *
 * `legate approvals list|approve|deny|retry`: the human approval inbox of
 * this node's agents (node/approvals). `legate action` puts an action a
 * verifier answered `approval_required` there and prints its id.
 */

import type { Command } from 'commander';
import type { ApprovalRequestRecord } from '../../store/ports/approval-requests.js';
import { action, withNode } from '../command.js';
import { EXIT, printJson, println, type GlobalOptions } from '../io.js';

const line = (r: ApprovalRequestRecord) =>
  [r.id, r.createdAt, r.status, r.agent, `${r.request.action} ${r.request.resource}${r.request.scope === undefined ? '' : ` (${r.request.scope})`}`, r.request.amount === undefined ? '-' : `${r.request.amount.value} ${r.request.amount.currency}`, r.peer].join('\t');

function print(globals: GlobalOptions, record: ApprovalRequestRecord): number {
  if (globals.json) printJson(record);
  else println(line(record));
  return EXIT.ok;
}

export function registerApprovals(program: Command): void {
  const approvals = program.command('approvals').description("the approval inbox: actions of this node's agents waiting for a human to approve or deny");
  action(
    approvals
      .command('list')
      .description('list requests, newest first')
      .option('--status <status>', 'pending, approved, denied, expired or used')
      .option('--agent <name>', "only this agent's requests"),
    (globals, flags: { status?: string; agent?: string }) =>
      withNode(globals, async (node) => {
        const { listApprovalRequests } = await import('../../node/approvals/list.js');
        const found = await listApprovalRequests(node, { status: flags.status, agent: flags.agent });
        if (globals.json) printJson({ requests: found });
        else {
          println('ID\tASKED\tSTATUS\tAGENT\tACTION\tAMOUNT\tVERIFIER');
          for (const r of found) println(line(r));
        }
        return EXIT.ok;
      }),
  );
  action(
    approvals
      .command('approve <id>')
      .description("approve a pending request: signs an ApprovalCredential with the approver's key (a DID this node holds)")
      .requiredOption('--as <did>', "the approver: the agent's owner, an operator's DID, or one the verifier names")
      .option('--operator <name>', 'the operator deciding, for the audit log'),
    (globals, id: string, flags: { as: string; operator?: string }) =>
      withNode(globals, async (node) => print(globals, await (await import('../../node/approvals/decide.js')).approveRequest(node, id, { approver: flags.as, operator: flags.operator }))),
  );
  action(
    approvals
      .command('deny <id>')
      .description('deny a pending request')
      .requiredOption('--as <did>', 'who denies it')
      .option('--reason <text>', 'why, for the audit log')
      .option('--operator <name>', 'the operator deciding, for the audit log'),
    (globals, id: string, flags: { as: string; reason?: string; operator?: string }) =>
      withNode(globals, async (node) => print(globals, await (await import('../../node/approvals/decide.js')).denyRequest(node, id, { approver: flags.as, reason: flags.reason, operator: flags.operator }))),
  );
  action(approvals.command('retry <id>').description('send an approved action again, once, with its approval; prints the decision'), (globals, id: string) =>
    withNode(globals, async (node) => {
      const decision = await (await import('../../node/approvals/retry.js')).retryApproved(node, id);
      if (globals.json) printJson(decision);
      else {
        println(String(decision.decision));
        for (const r of decision.reasons) println(`  ${r.code}  ${r.message}`);
      }
      return decision.decision === 'allow' ? EXIT.ok : EXIT.failed;
    }),
  );
}
