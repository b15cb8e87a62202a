/**
 * @module cli/commands/agent
 *
 * `legate agent create|list|show`: register agents, each with its own key,
 * DID and human owner.
 */

import type { Command } from 'commander';
import { createAgent, listAgents, showAgent } from '../../node/agents.js';
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
      const record = await createAgent(node, { name, owner: options.owner, method: options.method as AgentMethod });
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
      const agents = await listAgents(node);
      if (globals.json) printJson(agents);
      else for (const a of agents) println(`${a.name}\t${a.status}\t${a.did}\t${a.owner}`);
      return EXIT.ok;
    }),
  );

  const show = agent.command('show <name>').description("print an agent's DID document");
  action(show, async (globals, name: string) =>
    withNode(globals, async (node) => {
      const shown = await showAgent(node, name);
      printJson(globals.json ? shown : shown.didDocument);
      return EXIT.ok;
    }),
  );
}
