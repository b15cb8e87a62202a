/**
 * @module cli/command
 *
 * Glue between commander and Legate: every action handler returns its exit
 * code, gets the global options, and may open the node for the duration of
 * the call.
 */

import type { Command } from 'commander';
import type { VerifyCredentialOptions } from '../credential/verify-jwt.js';
import type { NodeContext } from '../node/context.js';
import { isInitialized, openNode } from '../node/open.js';
import type { StatusChecker } from '../status/check.js';
import { instanceOptions } from '../config/node-options.js';
import { nodeOptions, runEnv, setExitCode, type GlobalOptions } from './io.js';
import { commandSettings } from './settings.js';

export type Handler<A extends unknown[]> = (globals: GlobalOptions, ...args: A) => Promise<number>;

/**
 * Wraps a handler so its exit code becomes the run's (what `main` returns). The handler
 * gets the settings resolved once (flags, environment, file, defaults).
 */
export function action<A extends unknown[]>(command: Command, handler: Handler<A>): Command {
  return command.action(async (...args: unknown[]) => {
    const settings = commandSettings(command, runEnv());
    const { dataDir, allowHttpLoopback, database } = instanceOptions(settings);
    const globals: GlobalOptions = { ...command.optsWithGlobals<GlobalOptions>(), data: dataDir, allowHttpLoopback, database, settings };
    setExitCode(await handler(globals, ...(args.slice(0, -1) as A)));
  });
}

/** Opens the node of `--data`, runs `fn`, and closes it. */
export async function withNode<T>(globals: GlobalOptions, fn: (node: NodeContext) => Promise<T>): Promise<T> {
  // A one-shot command appends to the store's own audit chain: it opens no chain of its own each time it runs.
  // It subscribes to no partner's status lists either: it would be gone before a notice came (its own changes are still pushed).
  const node = await openNode({ ...nodeOptions(globals), auditChain: 'store', statusPush: { subscribe: false } });
  try {
    return await fn(node);
  } finally {
    await node.close();
  }
}

/**
 * Runs `fn` with the right verification options: the node's (own DIDs and
 * status lists from its store) when `--data` is an initialized node, else a
 * standalone resolver and status checker (HTTPS; loopback HTTP on opt-in).
 */
export async function withVerifier<T>(
  globals: GlobalOptions,
  options: { checkStatus: boolean },
  fn: (verify: VerifyCredentialOptions, node: NodeContext | undefined) => Promise<T>,
): Promise<T> {
  if (isInitialized(globals.data, globals.database)) return withNode(globals, (node) => fn(node.services.verifier.options(options), node));
  const { allowHttpLoopback } = globals;
  const { createDidResolver, createStatusChecker } = await standalone();
  const resolver = createDidResolver({ allowHttpLoopback });
  const checker = options.checkStatus ? createStatusChecker({ resolver, allowHttpLoopback }) : undefined;
  return fn({ resolver, ...(checker === undefined ? {} : { status: (credential) => checker.statusErrors(credential) }) }, undefined);
}

/** Runs `fn` with a status checker: the node's, or a standalone one. */
export async function withStatusChecker<T>(globals: GlobalOptions, fn: (checker: StatusChecker) => Promise<T>): Promise<T> {
  if (isInitialized(globals.data, globals.database)) return withNode(globals, (node) => fn(node.services.verifier.statusChecker));
  const { allowHttpLoopback } = globals;
  const { createDidResolver, createStatusChecker } = await standalone();
  return fn(createStatusChecker({ resolver: createDidResolver({ allowHttpLoopback }), allowHttpLoopback }));
}

/** What verifying without a node needs, loaded only then: a command that opens the node never loads it here (#14). */
async function standalone() {
  const [{ createDidResolver }, { createStatusChecker }] = await Promise.all([import('../did/resolver.js'), import('../status/check.js')]);
  return { createDidResolver, createStatusChecker };
}
