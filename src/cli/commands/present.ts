/**
 * @module cli/commands/present
 *
 * `legate present --agent <name> --aud <did> --nonce <n>`: an agent of this
 * node presents its credentials (with their chains) as a `vp+jwt`.
 */

import type { Command } from 'commander';
import { action, withNode } from '../command.js';
import { EXIT, printJson, println } from '../io.js';

export function registerPresent(program: Command): void {
  const present = program
    .command('present')
    .description("sign a presentation of an agent's credentials for one verifier and challenge")
    .requiredOption('--agent <name>', 'the presenting agent of this node')
    .requiredOption('--aud <did>', "the verifier's DID")
    .requiredOption('--nonce <nonce>', "the verifier's challenge");
  action(present, async (globals, flags: { agent: string; aud: string; nonce: string }) =>
    withNode(globals, async (node) => {
      const jwt = await node.services.issuance.present({ agent: flags.agent, audience: flags.aud, nonce: flags.nonce });
      if (globals.json) printJson({ jwt });
      else println(jwt);
      return EXIT.ok;
    }),
  );
}
