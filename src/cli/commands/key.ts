/**
 * @module cli/commands/key
 *
 * `legate key rotate [--agent <name>]`, `legate key revoke <kid>
 * --compromised-since <time>`, `legate key list` and `legate key retire`:
 * the key lifecycle (node/key-rotate, node/key-revoke, node/key-lifecycle,
 * node/key-retire). Rotating also retires what is due, as `serve` does on
 * its schedule.
 */

import type { Command } from 'commander';
import { legateError } from '../../errors/index.js';
import { keyStates } from '../../node/key-lifecycle.js';
import { retireKeys } from '../../node/key-retire.js';
import { revokeKey } from '../../node/key-revoke.js';
import type { DidKeyRotation } from '../../node/key-rotate-did-key.js';
import { rotateAgentKey, rotateOrganizationKey, type KeyRotation } from '../../node/key-rotate.js';
import { action, withNode } from '../command.js';
import { EXIT, printJson, println } from '../io.js';

export function registerKey(program: Command): void {
  const key = program.command('key').description('rotate, revoke and list the keys of the organization and its agents');

  const rotate = key
    .command('rotate')
    .description("rotate the organization's key (or a did:web agent's): a new key signs from now on; the old one stays in the DID document while what it signed is live")
    .option('--agent <name>', "rotate this agent's key instead")
    .option('--as <new-name>', 'a did:key agent: the successor agent it rotates into (its live credentials are reissued to it)');
  action(rotate, async (globals, flags: { agent?: string; as?: string }) =>
    withNode(globals, async (node) => {
      if (flags.as !== undefined && flags.agent === undefined) throw legateError('ERR_INVALID_ARGUMENT', '--as names the successor of a did:key agent: give --agent too', { claim: '--as' });
      const rotation: KeyRotation | DidKeyRotation =
        flags.agent === undefined
          ? await rotateOrganizationKey(node)
          : flags.as === undefined
            ? await rotateAgentKey(node, flags.agent)
            : await (await import('../../node/key-rotate-did-key.js')).rotateDidKeyAgent(node, flags.agent, flags.as);
      const retired = await retireKeys(node);
      if (globals.json) printJson({ ...rotation, retired });
      else {
        println(`rotated ${rotation.controller}: ${rotation.oldKid} -> ${rotation.newKid}`);
        const successor = 'reissued' in rotation ? (rotation as DidKeyRotation) : undefined;
        if (successor !== undefined) println(`successor agent ${successor.successor} (${successor.newDid}); reissued ${successor.reissued.length} credential(s)`);
        println(`re-signed ${rotation.statusLists.length} status list(s)${rotation.trustList ? ' and the trust list' : ''}`);
        for (const r of retired) println(`retired ${r.kid}`);
      }
      return EXIT.ok;
    }),
  );

  const revoke = key
    .command('revoke <kid>')
    .description('retire a compromised key at once and revoke every credential it signed since the given time')
    .requiredOption('--compromised-since <time>', 'ISO 8601 date-time from which what the key signed is not trusted');
  action(revoke, async (globals, kid: string, flags: { compromisedSince: string }) =>
    withNode(globals, async (node) => {
      const result = await revokeKey(node, kid, { compromisedSince: flags.compromisedSince });
      if (globals.json) printJson(result);
      else {
        println(`revoked key ${result.kid} (compromised since ${result.compromisedSince})`);
        println(`revoked ${result.revoked.length} credential(s) it signed since then${result.notRevoked.length === 0 ? '' : `; ${result.notRevoked.length} already revoked or without status`}`);
        if (result.signedBefore.length > 0) {
          println(`${result.signedBefore.length} unexpired credential(s) it signed before then were left, and no longer verify: reissue the ones still needed`);
          for (const id of result.signedBefore) println(`  ${id}`);
        }
      }
      return EXIT.ok;
    }),
  );

  const list = key.command('list').description('every key: controller, status, created, retired, and what it still signs');
  action(list, async (globals) =>
    withNode(globals, async (node) => {
      const states = await keyStates(node);
      if (globals.json) printJson(states);
      else
        for (const k of states) {
          const status = k.current ? 'current' : k.status === 'retired' ? `retired ${k.retiredAt ?? ''}${k.retiredReason === 'compromised' ? ' (compromised)' : ''}`.trim() : 'active';
          const until = k.liveUntil === undefined ? '' : ` live until ${k.liveUntil}`;
          println(`${k.kid}  ${k.agent ?? 'organization'}  ${status}  created ${k.createdAt}  signs ${k.signs.credentials} credential(s)${k.signs.withoutExpiry === 0 ? '' : ` (${k.signs.withoutExpiry} without expiry)`}${until}`);
        }
      return EXIT.ok;
    }),
  );

  const retire = key.command('retire').description('retire the rotated-out keys nothing live needs any more (what `serve` runs on its schedule)');
  action(retire, async (globals) =>
    withNode(globals, async (node) => {
      const retired = await retireKeys(node);
      if (globals.json) printJson(retired);
      else if (retired.length === 0) println('no key to retire');
      else for (const r of retired) println(`retired ${r.kid}`);
      return EXIT.ok;
    }),
  );
}
