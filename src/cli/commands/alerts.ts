/**
 * @module cli/commands/alerts
 *
 * `legate alerts [list] [--rule r] [--since t] [--open] [--limit n]`: the
 * alerts this node keeps, newest first; `legate alerts ack <id> [--operator
 * name]`: acknowledges one, audited with the operator's name (default: the
 * name of the user running the command).
 */

import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { AlertRecord } from '../../store/ports/alerts.js';
import { action, withNode } from '../command.js';
import { EXIT, printJson, println, type GlobalOptions } from '../io.js';
import { parseSince } from '../parse.js';

interface ListFlags {
  rule?: string;
  since?: string;
  open?: boolean;
  limit?: string;
}

/** The name of whoever runs the command, for `--operator`'s default. */
function localUser(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

const line = (a: AlertRecord) => [a.id, a.firedAt, a.severity, a.rule, a.subject, a.acknowledgedAt === undefined ? 'open' : `ack ${a.acknowledgedBy ?? ''}`, a.message].join('\t');

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('alerts fired over decisions, failed authentications, expiries and refresh failures');
  const list = (command: Command) =>
    command
      .option('--rule <rule>', 'only this rule: failed-auth, denial-spike, first-use, expiry, refresh-failed')
      .option('--since <time>', 'only alerts fired at or after this ISO 8601 time, or this long ago (P1D, 12h)')
      .option('--open', 'only alerts nobody has acknowledged')
      .option('--limit <n>', 'at most this many (1-1000, default 100)');
  const run = (globals: GlobalOptions, flags: ListFlags) =>
    withNode(globals, async (node) => {
      const { listAlerts } = await import('../../node/alerts/list.js');
      const found = await listAlerts(node, {
        rule: flags.rule,
        since: flags.since === undefined ? undefined : parseSince(flags.since, node.clock),
        open: flags.open === true,
        ...(flags.limit === undefined ? {} : { limit: Number(flags.limit) }),
      });
      if (globals.json) printJson({ alerts: found });
      else {
        println('ID\tFIRED\tSEVERITY\tRULE\tSUBJECT\tSTATE\tMESSAGE');
        for (const a of found) println(line(a));
      }
      return EXIT.ok;
    });
  action(list(alerts), (globals, flags: ListFlags) => run(globals, flags));
  // Commander gives the parent's options to `alerts` even when they follow `list`, so both sets are read.
  action(list(alerts.command('list').description('list alerts, newest first')), (globals, flags: ListFlags) => run(globals, { ...alerts.opts<ListFlags>(), ...flags }));
  action(
    alerts
      .command('ack <id>')
      .description("acknowledge an alert (audited with the operator's name)")
      .option('--operator <name>', 'who acknowledges it (default: the user running the command)'),
    (globals, id: string, flags: { operator?: string }) =>
      withNode(globals, async (node) => {
        const { acknowledgeAlert } = await import('../../node/alerts/acknowledge.js');
        const alert = await acknowledgeAlert(node, id, { operator: flags.operator ?? localUser() });
        if (globals.json) printJson(alert);
        else println(line(alert));
        return EXIT.ok;
      }),
  );
}
