/**
 * @module cli/commands/init
 *
 * `legate init --domain <host[:port]> [--name <org>]`: creates the
 * organization DID, its key, the encrypted key store and the SQLite store,
 * and says which sealing protects the keys (`LEGATE_PASSPHRASE` or
 * `master.key`): later commands refuse a passphrase that does not match it.
 */

import type { Command } from 'commander';
import { readSealing } from '../../keys/master-key.js';
import { initNode } from '../../node/init.js';
import { action } from '../command.js';
import { EXIT, nodeOptions, note, printJson, println } from '../io.js';

export function registerInit(program: Command): void {
  const command = program
    .command('init')
    .description('create this organization: its did:web, keys and store')
    .requiredOption('--domain <host[:port]>', 'where the node is reachable; the DID derives from it')
    .option('--name <org>', 'display name of the organization');
  action(command, async (globals, options: { domain: string; name?: string }) => {
    const org = await initNode({ ...nodeOptions(globals), domain: options.domain, name: options.name });
    const sealing = readSealing(globals.data);
    if (globals.json) printJson({ ...org, dataDir: globals.data, sealing });
    else {
      println(org.did);
      note(`initialized ${org.name} in ${globals.data}`);
      note(
        sealing === 'passphrase'
          ? 'keys sealed by LEGATE_PASSPHRASE: set it for every command that signs, and for serve'
          : `keys sealed by ${globals.data}/master.key (mode 0600): leave LEGATE_PASSPHRASE unset for this node`,
      );
      note(`admin bearer token in ${globals.data}/admin.token (mode 0600)`);
    }
    return EXIT.ok;
  });
}
