/**
 * @module cli/commands/serve
 *
 * `legate serve [--port n] [--host h]`: runs this node's HTTP service until
 * SIGINT or SIGTERM, then shuts down gracefully. It refuses to start when the
 * keys cannot be unsealed (a wrong or missing passphrase would otherwise
 * surface on a peer's first handshake), when another server holds the data
 * directory, or on a database that fails SQLite's quick check. The port
 * defaults to the one in the organization's domain. Expired rows are swept
 * every `sweepInterval` (a minute). Address, port and timers are node
 * settings (config/settings: flag, `LEGATE_*`, file); `--session-lifetime`
 * overrides the fleet's shared `sessionLifetime` for this run. Requests are
 * logged as JSON lines on stderr at `logLevel` (server/log). It sets how
 * far its process's heap may grow between full collections
 * (`heapGrowthPercent`, server/heap-growth).
 */

import type { Command } from 'commander';
import { serveSettings } from '../../config/node-options.js';
import { flagOf } from '../../config/settings.js';
import { assertStoreIntact } from '../../node/integrity.js';
import { openNode } from '../../node/open.js';
import { startSweeper } from '../../node/sweep.js';
import { setHeapGrowth } from '../../server/heap-growth.js';
import { planListenPort } from '../../server/listen-port.js';
import type { LogLevel } from '../../server/log.js';
import { startServer } from '../../server/serve.js';
import { action } from '../command.js';
import { EXIT, nodeOptions, note, onStop, printJson, println } from '../io.js';

export function registerServe(program: Command): void {
  const serve = program
    .command('serve')
    .description("run this node's HTTP service (DID documents, status lists, registry, ACE, actions, admin)")
    .option(...flagOf('port'))
    .option(...flagOf('host'))
    .option(...flagOf('sessionLifetime'))
    .option(...flagOf('logLevel'));
  action(serve, async (globals) => {
    // The flags were read with the environment and the file into globals.settings (cli/command).
    const { host, port: requested, sweepIntervalMs, statusRefreshIntervalMs, renewalIntervalMs, auditCheckpointIntervalMs, alertCheckIntervalMs, trustedProxies, logLevel, heapGrowthPercent } =
      serveSettings(globals.settings);
    // This process serves: how far its heap may grow between full collections is the node's to set (server/heap-growth).
    setHeapGrowth(heapGrowthPercent);
    // requireKeys: unseal the organization's key now, so a bad passphrase stops the start, not a peer's handshake.
    const node = await openNode({ ...nodeOptions(globals), requireKeys: true });
    // A damaged database must not serve: SQLite's quick check first (node/integrity).
    await assertStoreIntact(node).catch(async (error: unknown) => {
      await node.close();
      throw error;
    });
    const { port, warnings } = planListenPort(node.organization.domain, requested);
    for (const warning of warnings) note(`legate: warning: ${warning}`);
    const jobs = { statusRefreshIntervalMs, renewalIntervalMs, auditCheckpointIntervalMs, alertCheckIntervalMs };
    const server = await startServer({ node, host, port, ...jobs, trustedProxies, logLevel: logLevel as LogLevel }).catch(async (error: unknown) => {
      await node.close();
      throw error;
    });
    const stopSweeper = startSweeper(node, { intervalMs: sweepIntervalMs });
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
