/**
 * @module cli/command
 *
 * Glue between commander and Legate: every action handler returns its exit
 * code, gets the global options, and may open the node for the duration of
 * the call.
 */

import type { Command } from 'commander';
import type { NodeContext } from '../node/context.js';
import { openNode } from '../node/open.js';
import { nodeOptions, type GlobalOptions } from './io.js';

export type Handler<A extends unknown[]> = (globals: GlobalOptions, ...args: A) => Promise<number>;

/** Wraps a handler so its exit code is recorded on the process. */
export function action<A extends unknown[]>(command: Command, handler: Handler<A>): Command {
  return command.action(async (...args: unknown[]) => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    process.exitCode = await handler(globals, ...(args.slice(0, -1) as A));
  });
}

/** Opens the node of `--data`, runs `fn`, and closes it. */
export async function withNode<T>(globals: GlobalOptions, fn: (node: NodeContext) => Promise<T>): Promise<T> {
  const node = await openNode(nodeOptions(globals));
  try {
    return await fn(node);
  } finally {
    await node.close();
  }
}
