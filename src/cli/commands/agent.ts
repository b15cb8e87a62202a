/**
 * @module cli/commands/agent
 *
 * `legate agent create|list|show|retire`: register agents, each with its own
 * key, DID and human owner, and retire them (revoking what they hold, after
 * reissuing it to a replacement with `--reassign-to`).
 */

import type { Command } from 'commander';
import { legateError } from '../../errors/index.js';
import type { AgentMethod } from '../../store/types.js';
import { action, withNode } from '../command.js';
import { EXIT, note, printJson, println } from '../io.js';

export function registerAgent(program: Command): void {
  const agent = program.command('agent').description('register and inspect agents');

  const create = agent
    .command('create <name>')
    .description('create an agent with its own key and DID')
    .requiredOption('--owner <uri>', 'the accountable human owner (mailto:…, a DID)')
    .option('--method <web|key>', 'did:web under the organization, or did:key', 'web');
  action(create, async (globals, name: string, options: { owner: string; method: string }) =>
    withNode(globals, async (node) => {
      const record = await node.services.agents.create({ name, owner: options.owner, method: options.method as AgentMethod });
      if (globals.json) printJson(record);
      else {
        println(record.did);
        note(`created agent ${record.name} (owner ${record.owner})`);
      }
      return EXIT.ok;
    }),
  );

  const list = agent.command('list').description('list agents');
  action(list, async (globals) =>
    withNode(globals, async (node) => {
      const agents = await node.services.agents.list();
      if (globals.json) printJson(agents);
      else {
        // Tab-separated under a header line, so `cut -f` and `tail -n +2` both work.
        println('NAME\tSTATUS\tDID\tOWNER');
        for (const a of agents) println(`${a.name}\t${a.status}\t${a.did}\t${a.owner}`);
      }
      return EXIT.ok;
    }),
  );

  const retire = agent
    .command('retire <name>')
    .description('retire an agent: revoke its credentials and every delegate below them')
    .option('--reassign-to <agent>', 'first issue its live credentials to this agent (same limits; usage carries over)')
    .option('--owner <uri>', 'with --reassign-to: the owner the reissued credentials name (default: each credential\'s own)');
  action(retire, async (globals, name: string, options: { reassignTo?: string; owner?: string }) =>
    withNode(globals, async (node) => {
      if (options.owner !== undefined && options.reassignTo === undefined) {
        throw legateError('ERR_INVALID_ARGUMENT', '--owner applies only with --reassign-to', { claim: 'owner' });
      }
      const result = await node.services.agents.retire(name, { reassignTo: options.reassignTo, owner: options.owner });
      if (globals.json) printJson(result);
      else {
        println(`retired ${result.agent.name}`);
        for (const { from, to } of result.reassigned) println(`  reassigned ${from} -> ${to} (${options.reassignTo!})`);
        for (const id of result.revoked) println(`  revoked ${id}`);
      }
      return EXIT.ok;
    }),
  );

  const show = agent.command('show <name>').description("print an agent's DID document");
  action(show, async (globals, name: string) =>
    withNode(globals, async (node) => {
      const shown = await node.services.agents.show(name);
      printJson(globals.json ? shown : shown.didDocument);
      return EXIT.ok;
    }),
  );
}
