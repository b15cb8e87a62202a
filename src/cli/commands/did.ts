/**
 * @module cli/commands/did
 *
 * `legate did resolve <did>`: resolves a DID (this node's own from the
 * store, did:key offline, did:web over HTTPS) and prints the result.
 */

import type { Command } from 'commander';
import { createDidResolver } from '../../did/resolver.js';
import { isInitialized } from '../../node/open.js';
import { action, withNode } from '../command.js';
import { EXIT, nodeOptions, printJson } from '../io.js';

export function registerDid(program: Command): void {
  const did = program.command('did').description('DID utilities');
  const resolve = did.command('resolve <did>').description('resolve a DID and print its document');
  action(resolve, async (globals, id: string) => {
    const result = isInitialized(globals.data)
      ? await withNode(globals, (node) => node.resolver.resolve(id))
      : await createDidResolver({ allowHttpLoopback: nodeOptions(globals).allowHttpLoopback ?? false }).resolve(id);
    printJson(globals.json ? result : (result.didDocument ?? result.didResolutionMetadata));
    return result.didResolutionMetadata.error === undefined ? EXIT.ok : EXIT.failed;
  });
}
