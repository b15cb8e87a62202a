/**
 * @module cli/commands/did
 *
 * `legate did resolve <did>`: resolves a DID (this node's own from the
 * store, did:key offline, did:web over HTTPS) and prints its document, or
 * with `--json` the whole resolution result. A failed resolution is an error
 * like any other (`legate: ERR_DID_UNRESOLVABLE: …`, the DID Resolution error
 * as its `reason`), not a metadata object on stdout.
 */

import type { Command } from 'commander';
import { createDidResolver } from '../../did/resolver.js';
import { isErrorCode, legateError, type ErrorCode } from '../../errors/index.js';
import { isInitialized } from '../../node/open.js';
import { action, withNode } from '../command.js';
import { EXIT, printJson } from '../io.js';

/** The error code a failed resolution reports: one the resolver named in its metadata, else ERR_DID_UNRESOLVABLE. */
function codeOf(metadata: Record<string, unknown>): ErrorCode {
  const code = metadata.code;
  return isErrorCode(code) ? code : 'ERR_DID_UNRESOLVABLE';
}

export function registerDid(program: Command): void {
  const did = program.command('did').description('DID utilities');
  const resolve = did.command('resolve <did>').description('resolve a DID and print its document');
  action(resolve, async (globals, id: string) => {
    const result = isInitialized(globals.data, globals.database)
      ? await withNode(globals, (node) => node.resolver.resolve(id))
      : await createDidResolver({ allowHttpLoopback: globals.allowHttpLoopback }).resolve(id);
    const metadata = result.didResolutionMetadata as Record<string, unknown>;
    const { error, message } = metadata;
    if (error !== undefined || result.didDocument === null) {
      const reason = typeof error === 'string' ? error.slice(0, 64) : 'internalError';
      const detail = typeof message === 'string' ? message : reason;
      throw legateError(codeOf(metadata), `cannot resolve ${id.slice(0, 256)}: ${detail} (${reason})`, { claim: 'did', reason });
    }
    printJson(globals.json ? result : result.didDocument);
    return EXIT.ok;
  });
}
