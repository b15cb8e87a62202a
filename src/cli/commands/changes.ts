/**
 * @module cli/commands/changes
 *
 * `legate changes request|list|confirm|cancel`: revocations, suspensions,
 * reinstatements and retirements under the second-person policy
 * (`operators.secondPerson`, node/changes). Whoever holds the data
 * directory acts as an admin, named by `--operator` for the audit log.
 */

import type { Command } from 'commander';
import type { PendingChangeRecord } from '../../store/ports/pending-changes.js';
import { action, withNode } from '../command.js';
import { EXIT, printJson, println, type GlobalOptions } from '../io.js';

const line = (c: PendingChangeRecord) => [c.id, c.requestedAt, c.status, c.kind, c.target, c.requestedBy, c.decidedBy ?? '-', c.reason ?? ''].join('\t');

function print(globals: GlobalOptions, change: PendingChangeRecord): number {
  if (globals.json) printJson(change);
  else println(line(change));
  return EXIT.ok;
}

const admin = (name: string) => ({ name, role: 'admin' as const });

export function registerChanges(program: Command): void {
  const changes = program.command('changes').description('changes that wait for a second operator (operators.secondPerson)');
  action(
    changes
      .command('request <kind> <target>')
      .description('ask to revoke|suspend|reinstate a credential (by id) or retire an agent (by name or DID): done now, or pending a second operator')
      .requiredOption('--operator <name>', 'who asks, for the audit log')
      .option('--reason <text>', 'why (required with --emergency)')
      .option('--emergency', 'a compromise: take effect now, skipping the second person (the audit log says so)'),
    (globals, kind: string, target: string, flags: { operator: string; reason?: string; emergency?: boolean }) =>
      withNode(globals, async (node) => {
        const { requestChange } = await import('../../node/changes/request.js');
        const outcome = await requestChange(node, { kind: kind as PendingChangeRecord['kind'], target, reason: flags.reason, operator: admin(flags.operator), emergency: flags.emergency === true });
        if (globals.json) printJson(outcome.status === 'pending' ? { status: 'pending', change: outcome.change } : { status: 'done', kind: outcome.kind, target: outcome.target, secondPerson: outcome.secondPerson });
        else if (outcome.status === 'pending') println(`pending\t${outcome.change.id}\t(another admin confirms: legate changes confirm ${outcome.change.id} --operator <name>)`);
        else println(`done\t${outcome.kind}\t${outcome.target}\tsecond person ${outcome.secondPerson}`);
        return EXIT.ok;
      }),
  );
  action(changes.command('list').description('list changes, newest first').option('--status <status>', 'pending, confirmed, cancelled or expired'), (globals, flags: { status?: string }) =>
    withNode(globals, async (node) => {
      const { listChanges } = await import('../../node/changes/decide.js');
      const found = await listChanges(node, flags.status === undefined ? {} : { status: flags.status as PendingChangeRecord['status'] });
      if (globals.json) printJson({ changes: found });
      else {
        println('ID\tASKED\tSTATUS\tKIND\tTARGET\tASKED BY\tDECIDED BY\tREASON');
        for (const c of found) println(line(c));
      }
      return EXIT.ok;
    }),
  );
  action(changes.command('confirm <id>').description('confirm a pending change as a second admin: it takes effect now').requiredOption('--operator <name>', 'who confirms (not who asked)'), (globals, id: string, flags: { operator: string }) =>
    withNode(globals, async (node) => print(globals, (await (await import('../../node/changes/decide.js')).confirmChange(node, id, { operator: admin(flags.operator) })).change)),
  );
  action(changes.command('cancel <id>').description('cancel a pending change').requiredOption('--operator <name>', 'who cancels'), (globals, id: string, flags: { operator: string }) =>
    withNode(globals, async (node) => print(globals, await (await import('../../node/changes/decide.js')).cancelChange(node, id, { operator: admin(flags.operator) }))),
  );
}
