/**
 * @module cli/commands/serve
 *
 * `legate serve [--port n] [--host h]`: runs this node's HTTP service until
 * SIGINT or SIGTERM, then shuts down gracefully. Refuses to start on a
 * database that fails SQLite's quick check; sweeps expired rows every minute.
 */

import type { Command } from 'commander';
import { assertStoreIntact } from '../../node/integrity.js';
import { openNode } from '../../node/open.js';
import { startSweeper } from '../../node/sweep.js';
import { startServer } from '../../server/serve.js';
import { action } from '../command.js';
import { EXIT, nodeOptions, note, printJson, println } from '../io.js';
import { parseCount } from '../parse.js';

export function registerServe(program: Command): void {
  const serve = program
    .command('serve')
    .description("run this node's HTTP service (DID documents, status lists, registry, ACE, actions, admin)")
    .option('--port <n>', 'port to listen on', '7401')
    .option('--host <h>', 'address to bind', '127.0.0.1')
    .option('--session-lifetime <seconds>', 'lifetime of the session tokens this node issues', '300');
  action(serve, async (globals, flags: { port: string; host: string; sessionLifetime: string }) => {
    const port = parseCount(flags.port, '--port', 65535);
    const sessionLifetimeSeconds = parseCount(flags.sessionLifetime, '--session-lifetime', 86400);
    const node = await openNode({ ...nodeOptions(globals), sessionLifetimeSeconds });
    // A damaged database must not serve: SQLite's quick check first (node/integrity).
    await assertStoreIntact(node).catch(async (error: unknown) => {
      await node.close();
      throw error;
    });
    const server = await startServer({ node, host: flags.host, port }).catch(async (error: unknown) => {
      await node.close();
      throw error;
    });
    const stopSweeper = startSweeper(node);
    if (globals.json) printJson({ url: server.url, did: node.organization.did });
    else println(`${node.organization.did} serving on ${server.url}`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        note('shutting down');
        void stopSweeper().then(() => server.close()).then(resolve, resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return EXIT.ok;
  });
}
