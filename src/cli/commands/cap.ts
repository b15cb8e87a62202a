/**
 * @module cli/commands/cap
 *
 * `legate cap issue <agent> …`: the organization issues a capability
 * credential to one of its agents. Human output is the bare JWT on stdout
 * (so it pipes into a file or `legate verify -`); `--json` prints
 * `{ id, jwt, credential }`.
 */

import type { Command } from 'commander';
import type { Capability, Constraints } from '../../credential/types.js';
import { issueToAgent } from '../../node/issue.js';
import { action, withNode } from '../command.js';
import { EXIT, note, printJson, println } from '../io.js';
import { checkDuration, parseMoney } from '../parse.js';

interface IssueFlags {
  action: string;
  resource: string;
  scope?: string;
  maxAmount?: string;
  validFor?: string;
  agentVersion?: string;
}

export function registerCap(program: Command): void {
  const cap = program.command('cap').description('issue and manage capability credentials');

  const issue = cap
    .command('issue <agent>')
    .description('issue a capability credential to an agent of this organization')
    .requiredOption('--action <action>', 'action name, or *')
    .requiredOption('--resource <resource>', 'colon-separated resource; a final * matches any suffix')
    .option('--scope <scope>', 'scope tag the verifier must honour')
    .option('--max-amount <amount>', 'largest amount per action, e.g. 100USD')
    .option('--valid-for <duration>', 'validity, ISO 8601 (P30D) or short (30d)', 'P30D')
    .option('--agent-version <version>', 'agent software version to record');
  action(issue, async (globals, agent: string, flags: IssueFlags) => {
    const constraints: Constraints = {};
    if (flags.maxAmount !== undefined) constraints.maxAmount = parseMoney(flags.maxAmount, '--max-amount');
    const capability: Capability = {
      action: flags.action,
      resource: flags.resource,
      ...(flags.scope === undefined ? {} : { scope: flags.scope }),
      ...(Object.keys(constraints).length === 0 ? {} : { constraints }),
    };
    const validFor = checkDuration(flags.validFor ?? 'P30D', '--valid-for');
    return withNode(globals, async (node) => {
      const issued = await issueToAgent(node, {
        agent,
        capabilities: [capability],
        validFor,
        ...(flags.agentVersion === undefined ? {} : { agentVersion: flags.agentVersion }),
      });
      if (globals.json) printJson(issued);
      else {
        println(issued.jwt);
        note(`issued ${issued.id} to ${agent}, valid until ${issued.credential.validUntil ?? 'revoked'}`);
      }
      return EXIT.ok;
    });
  });
}
