/**
 * @module cli/commands/serve
 *
 * `legate serve [--port n] [--host h]`: runs this node's HTTP service until
 * SIGINT or SIGTERM, then shuts down gracefully. It refuses to start when the
 * keys cannot be unsealed (a wrong or missing passphrase would otherwise
 * surface on a peer's first handshake), when another server holds the data
 * directory, or on a database that fails SQLite's quick check. The port
 * defaults to the one in the organization's domain. Expired rows are swept
 * every minute.
 */

import type { Command } from 'commander';
import { assertStoreIntact } from '../../node/integrity.js';
import { openNode } from '../../node/open.js';
import { startSweeper } from '../../node/sweep.js';
import { planListenPort } from '../../server/listen-port.js';
import { startServer } from '../../server/serve.js';
import { action } from '../command.js';
import { EXIT, nodeOptions, note, onStop, printJson, println } from '../io.js';
import { parseCount } from '../parse.js';

export function registerServe(program: Command): void {
  const serve = program
    .command('serve')
    .description("run this node's HTTP service (DID documents, status lists, registry, ACE, actions, admin)")
    .option('--port <n>', "port to listen on (default: the port in the organization's domain, else 7401)")
    .option('--host <h>', 'address to bind', '127.0.0.1')
    .option('--session-lifetime <seconds>', 'lifetime of the session tokens this node issues', '300');
  action(serve, async (globals, flags: { port?: string; host: string; sessionLifetime: string }) => {
    const requested = flags.port === undefined ? undefined : parseCount(flags.port, '--port', 65535);
    const sessionLifetimeSeconds = parseCount(flags.sessionLifetime, '--session-lifetime', 86400);
    // requireKeys: unseal the organization's key now, so a bad passphrase stops the start, not a peer's handshake.
    const node = await openNode({ ...nodeOptions(globals), sessionLifetimeSeconds, requireKeys: true });
    // A damaged database must not serve: SQLite's quick check first (node/integrity).
    await assertStoreIntact(node).catch(async (error: unknown) => {
      await node.close();
      throw error;
    });
    const { port, warnings } = planListenPort(node.organization.domain, requested);
    for (const warning of warnings) note(`legate: warning: ${warning}`);
    const server = await startServer({ node, host: flags.host, port }).catch(async (error: unknown) => {
      await node.close();
      throw error;
    });
    const stopSweeper = startSweeper(node);
    // Handlers first, then the "serving on" line: whoever waits for that line may signal at once.
    const stopped = new Promise<void>((resolve) => {
      // SIGINT/SIGTERM, or the abort signal of an in-process caller of main.
      onStop(() => {
        note('shutting down');
        void stopSweeper().then(() => server.close()).then(resolve, resolve);
      });
    });
    if (globals.json) printJson({ url: server.url, did: node.organization.did, sealing: node.sealing, warnings });
    else println(`${node.organization.did} serving on ${server.url} (keys sealed by ${node.sealing === 'passphrase' ? 'LEGATE_PASSPHRASE' : 'master.key'})`);
    await stopped;
    return EXIT.ok;
  });
}
