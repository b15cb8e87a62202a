/**
 * @module cli/commands/operator
 *
 * `legate operator add|list|role|passwd|totp|unlock|remove`: the console's
 * operator accounts (node/operators). A password is read from
 * `--password-file <f>`, or from stdin (`--password-file -`, the default),
 * never from an argument a process listing would show. Each change is
 * audited with `--operator` (default: the user running the command).
 */

import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { OperatorView } from '../../node/operators/view.js';
import { action, withNode } from '../command.js';
import { EXIT, printJson, println, readInput, type GlobalOptions } from '../io.js';

/** The password in `file` (`-`: stdin), without its line end. */
const passwordFrom = (file: string | undefined): string => readInput(file ?? '-').replace(/\r?\n$/, '');

function actorOf(flags: { operator?: string }): string {
  if (flags.operator !== undefined) return flags.operator;
  try {
    return `cli:${userInfo().username || 'operator'}`;
  } catch {
    return 'cli';
  }
}

const line = (o: OperatorView) =>
  [o.name, o.role, o.disabledAt !== undefined ? 'removed' : o.lockedUntil !== undefined ? `locked until ${o.lockedUntil}` : 'active', o.totp ? 'totp' : '-', o.did ?? '-'].join('\t');

function print(globals: GlobalOptions, view: OperatorView): number {
  if (globals.json) printJson(view);
  else println(line(view));
  return EXIT.ok;
}

export function registerOperator(program: Command): void {
  const operator = program.command('operator').description('console operator accounts: who may sign in to /console, with which role');
  const who = (command: Command) => command.option('--operator <name>', 'who makes the change, for the audit log (default: the user running the command)');

  action(
    who(operator.command('add <name>').description('add an operator (viewer, approver or admin); its password from --password-file or stdin'))
      .requiredOption('--role <role>', 'viewer, approver or admin')
      .option('--password-file <file>', 'read the password from this file (- for stdin, the default)'),
    (globals, name: string, flags: { role: string; passwordFile?: string; operator?: string }) =>
      withNode(globals, async (node) => {
        const { addOperator } = await import('../../node/operators/add.js');
        return print(globals, await addOperator(node, { name, role: flags.role as OperatorView['role'], password: passwordFrom(flags.passwordFile), actor: actorOf(flags) }));
      }),
  );
  action(operator.command('list').description('list operators: name, role, state, second factor, DID'), (globals) =>
    withNode(globals, async (node) => {
      const { listOperators } = await import('../../node/operators/change.js');
      const all = await listOperators(node);
      if (globals.json) printJson({ operators: all });
      else {
        println('NAME\tROLE\tSTATE\tTOTP\tDID');
        for (const o of all) println(line(o));
      }
      return EXIT.ok;
    }),
  );
  action(who(operator.command('role <name> <role>').description("change an operator's role")), (globals, name: string, role: string, flags: { operator?: string }) =>
    withNode(globals, async (node) => print(globals, await (await import('../../node/operators/change.js')).setOperatorRole(node, name, role as OperatorView['role'], actorOf(flags)))),
  );
  action(
    who(operator.command('passwd <name>').description("set an operator's password (ends its sessions)")).option('--password-file <file>', 'read the password from this file (- for stdin, the default)'),
    (globals, name: string, flags: { passwordFile?: string; operator?: string }) =>
      withNode(globals, async (node) => print(globals, await (await import('../../node/operators/change.js')).setOperatorPassword(node, name, passwordFrom(flags.passwordFile), actorOf(flags)))),
  );
  action(
    who(operator.command('totp <name>').description('turn on a TOTP second factor (prints its otpauth:// URI once) or, with --off, turn it off')).option('--off', 'turn the second factor off'),
    (globals, name: string, flags: { off?: boolean; operator?: string }) =>
      withNode(globals, async (node) => {
        const totp = await import('../../node/operators/totp.js');
        if (flags.off === true) {
          await totp.disableTotp(node, name, actorOf(flags));
          if (globals.json) printJson({ name, totp: false });
          else println(`TOTP off for ${name}`);
          return EXIT.ok;
        }
        const { uri, secret } = await totp.enableTotp(node, name, actorOf(flags));
        if (globals.json) printJson({ name, uri, secret });
        else println(uri);
        return EXIT.ok;
      }),
  );
  action(who(operator.command('unlock <name>').description('lift a lockout after failed sign-ins')), (globals, name: string, flags: { operator?: string }) =>
    withNode(globals, async (node) => print(globals, await (await import('../../node/operators/change.js')).unlockOperator(node, name, actorOf(flags)))),
  );
  action(who(operator.command('remove <name>').description('remove an operator: its sessions end and it signs in no more')), (globals, name: string, flags: { operator?: string }) =>
    withNode(globals, async (node) => print(globals, await (await import('../../node/operators/change.js')).removeOperator(node, name, actorOf(flags)))),
  );
}
